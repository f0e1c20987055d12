import EKTPHubRules
import Testing

/// The allocation proposal (docs/hub.md, "Alokasi blangko"), each figure worked by hand
/// from the rule as the docs state it.
@Suite("Blangko allocation")
struct BlangkoAllocationTests {
    typealias K = BlangkoAllocation.Kecamatan

    // Need 15 (20 − 5), of it pemula 8; need 6 (6 − 0), of it pemula 4.
    static let k1 = K(code: "32.16.01", backlog: 20, pemula: 8, onHand: 5, inTransit: 0, usePerDay: 3, daysLeft: 5.0 / 3)
    static let k2 = K(code: "32.16.02", backlog: 6, pemula: 4, onHand: 0, inTransit: 0, usePerDay: 1, daysLeft: 0)

    @Test("short of the pemula: 10 shared 8 : 4, the odd card to the larger remainder")
    func pemulaFirst() {
        // 10 × 8/12 = 6.67, 10 × 4/12 = 3.33 → 6 + 3, one left → 32.16.01.
        #expect(BlangkoAllocation.propose(10, among: [Self.k1, Self.k2]) == ["32.16.01": 7, "32.16.02": 3])
    }

    @Test("pemula covered, the rest of the backlog shared 7 : 2")
    func restOfTheBacklog() {
        // 8 + 4 to the pemula, 3 left over 7 : 2 → 2.33 and 0.67 → 2 + 0, one left → 32.16.02.
        #expect(BlangkoAllocation.propose(15, among: [Self.k1, Self.k2]) == ["32.16.01": 10, "32.16.02": 5])
    }

    @Test("every backlog covered: the surplus by use per day, 3 : 1")
    func surplusByUse() {
        // 15 + 6 cover both backlogs; 20 left at 3 : 1 → 15 and 5.
        #expect(BlangkoAllocation.propose(41, among: [Self.k1, Self.k2]) == ["32.16.01": 30, "32.16.02": 11])
    }

    @Test("no use anywhere: the surplus evenly")
    func surplusEvenly() {
        var a = Self.k1
        var b = Self.k2
        a.usePerDay = 0
        b.usePerDay = 0
        #expect(BlangkoAllocation.propose(41, among: [a, b]) == ["32.16.01": 25, "32.16.02": 16])
    }

    @Test("blangko in transit count as coming: no need where they cover the backlog")
    func inTransitCovers() {
        var a = Self.k1
        a.inTransit = 15
        #expect(BlangkoAllocation.propose(6, among: [a, Self.k2]) == ["32.16.01": 0, "32.16.02": 6])
    }

    @Test("an even tie goes to the fewest days of stock left, then the lower code")
    func tieBreak() {
        let a = K(code: "32.16.01", backlog: 1, pemula: 0, onHand: 0, inTransit: 0, usePerDay: 1, daysLeft: 10)
        let b = K(code: "32.16.02", backlog: 1, pemula: 0, onHand: 0, inTransit: 0, usePerDay: 1, daysLeft: 2)
        let c = K(code: "32.16.03", backlog: 1, pemula: 0, onHand: 0, inTransit: 0, usePerDay: 1, daysLeft: nil)
        #expect(BlangkoAllocation.propose(1, among: [a, b, c]) == ["32.16.01": 0, "32.16.02": 1, "32.16.03": 0])
        var b2 = b
        b2.daysLeft = 10
        #expect(BlangkoAllocation.propose(1, among: [a, b2, c]) == ["32.16.01": 1, "32.16.02": 0, "32.16.03": 0])
    }

    @Test("every card is given, whatever the weights")
    func sumsToTotal() {
        let many = (1...23).map { i in
            K(
                code: String(format: "32.16.%02d", i), backlog: i * 37 % 101, pemula: i % 7, onHand: i * 13 % 29, inTransit: 0, usePerDay: Double(i % 5),
                daysLeft: nil)
        }
        for total in [1, 7, 100, 999, 5_000] {
            #expect(BlangkoAllocation.propose(total, among: many).values.reduce(0, +) == total, "\(total)")
        }
    }

    @Test("an edited split: must sum to the shipment, only to eligible kecamatan, never negative")
    func editedSplit() {
        let eligible: Set = ["32.16.01", "32.16.02"]
        #expect(BlangkoAllocation.problem(total: 10, split: ["32.16.01": 6, "32.16.02": 4], eligible: eligible) == nil)
        #expect(BlangkoAllocation.problem(total: 10, split: ["32.16.01": 6, "32.16.02": 3], eligible: eligible)?.contains("berjumlah 9") == true)
        #expect(BlangkoAllocation.problem(total: 10, split: ["32.16.01": 6, "32.16.09": 4], eligible: eligible)?.contains("32.16.09") == true)
        #expect(BlangkoAllocation.problem(total: 10, split: ["32.16.01": 11, "32.16.02": -1], eligible: eligible)?.contains("negatif") == true)
        #expect(BlangkoAllocation.problem(total: 0, split: [:], eligible: eligible) != nil)
        // A kecamatan without a station may be listed with none.
        #expect(BlangkoAllocation.problem(total: 10, split: ["32.16.01": 10, "32.16.09": 0], eligible: eligible) == nil)
    }
}
