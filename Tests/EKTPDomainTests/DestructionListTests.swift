import EKTPDomain
import Foundation
import Testing

@Suite struct DestructionListTests {
    static func spoiled(_ entry: Int64, _ job: String?, _ quantity: Int) -> DestructionList.Spoiled {
        .init(entry: entry, at: Date(timeIntervalSince1970: Double(entry)), job: job, maskedNIK: nil, cause: "gagal-cetak", quantity: quantity)
    }

    @Test("each destruction takes the oldest spoiled cards the earlier ones left, splitting an entry where a count ends in it")
    func firstInFirstDestroyed() {
        let box = [Self.spoiled(1, "A", 1), Self.spoiled(2, nil, 5), Self.spoiled(3, "B", 1), Self.spoiled(4, "C", 1)]
        let first = DestructionList.cards(of: 0, destructions: [3, 4, 1], spoiled: box)
        #expect(first.map(\.entry) == [1, 2] && first.map(\.quantity) == [1, 2])
        let second = DestructionList.cards(of: 1, destructions: [3, 4, 1], spoiled: box)
        #expect(second.map(\.entry) == [2, 3] && second.map(\.quantity) == [3, 1])
        let third = DestructionList.cards(of: 2, destructions: [3, 4, 1], spoiled: box)
        #expect(third.map(\.job) == ["C"] && third.map(\.quantity) == [1])
        // Every card destroyed once: the parts add up to what was destroyed.
        for (i, n) in [3, 4, 1].enumerated() {
            #expect(DestructionList.cards(of: i, destructions: [3, 4, 1], spoiled: box).map(\.quantity).reduce(0, +) == n)
        }
        #expect(DestructionList.cards(of: 3, destructions: [3, 4, 1], spoiled: box).isEmpty)
    }
}
