import EKTPDomain
import EKTPEmulators
import EKTPSimulator
import Foundation
import Synchronization
import Testing

@testable import EKTPDrivers

/// The Evolis driver's encoding path against `EvolisGuideEmulator` (written from the
/// Programming Guide, not from the driver): `Sic` puts the card in the contactless
/// station's field (guide p.43), the chip is written while it is there, and the card then
/// prints, or leaves unprinted by `Ser` into the reject box (guide p.42).
@Suite struct EvolisEncoderTests {
    /// What the emulator told of its contactless field: true in, false out.
    final class FieldLog: Sendable {
        let events = Mutex<[Bool]>([])
        var all: [Bool] { events.withLock { $0 } }
    }

    struct Rig {
        let emulator: EvolisGuideEmulator
        let driver: EvolisPrinter
        let field: FieldLog
    }

    func rig(contactless: Bool = true, hopper: Int = 5) -> Rig {
        let emulator = EvolisGuideEmulator(
            .init(model: "Evolis Primacy", serial: "PRI777", hopper: hopper, ribbonCards: 300, counter: 10, contactless: contactless))
        let field = FieldLog()
        emulator.observeContactlessField { inField in field.events.withLock { $0.append(inField) } }
        let driver = EvolisPrinter(
            info: EvolisEmulatorTests.info, profile: EvolisEmulatorTests.profile, source: EmulatorTransport(emulator), waits: { _ in .seconds(1) })
        return Rig(emulator: emulator, driver: driver, field: field)
    }

    /// Runs one card whose chip gets `verdict`; whether the card was in the field when the
    /// encoder ran, and the outcome.
    func encode(_ verdict: ChipVerdict, on rig: Rig) async -> (Bool, PrintOutcome) {
        let seen = FieldLog()
        let field = rig.field
        let outcome = await rig.driver.print(.planes(EvolisEmulatorTests.rendered), job: TestMaterial.job) { () async -> ChipVerdict in
            seen.events.withLock { $0 = [field.all == [true]] }
            return verdict
        }
        return (seen.all == [true], outcome)
    }

    @Test func aVerifiedChipIsPrintedOnTheSameCard() async throws {
        let r = rig()
        let (inField, outcome) = await encode(.verified(detail: "ok"), on: r)
        #expect(inField, "the encoder ran while the card was at the contactless station")
        #expect(outcome == .printed(counter: 11))
        let card = try #require(r.emulator.cards.first)
        #expect(r.emulator.cards.count == 1 && card.contactlessVisit && !card.rejected && card.panels.count == 5)
        #expect(r.field.all == [true, false], "the card left the field before printing")
    }

    @Test func aRefusedChipLeavesTheCardWholeInTheRejectBox() async throws {
        let r = rig()
        let (_, outcome) = await encode(.refusedBeforeWrite(reason: "SAM tidak ada"), on: r)
        guard case .returnedUnused(_, let counter) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(counter == 11)
        let card = try #require(r.emulator.cards.first)
        #expect(card.rejected && card.panels.isEmpty && card.contactlessVisit)
        #expect(r.emulator.hopper == 4)
    }

    @Test func aFailedChipIsSpoiledGagalEncodeUnprinted() async throws {
        let r = rig()
        let (_, outcome) = await encode(.failed(reason: "chip menolak penulisan"), on: r)
        #expect(outcome == .spoiled(cause: .gagalEncode, detail: "chip menolak penulisan", counter: 11))
        let card = try #require(r.emulator.cards.first)
        #expect(card.rejected && card.panels.isEmpty)
    }

    @Test func anInterruptedChipIsLeftToAPerson() async throws {
        let r = rig()
        let (_, outcome) = await encode(.interrupted(reason: "pembaca hilang"), on: r)
        guard case .unknown = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(r.emulator.cards.first?.rejected == true)
    }

    @Test func withoutTheContactlessOptionNoCardMoves() async throws {
        let r = rig(contactless: false)
        let (_, outcome) = await encode(.verified(detail: "never asked"), on: r)
        guard case .failedBeforePick(let reason, _) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(reason.contains("Sic"))
        #expect(r.emulator.cards.isEmpty && r.emulator.hopper == 5 && r.emulator.counter == 10)
    }
}
