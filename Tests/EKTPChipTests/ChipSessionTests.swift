import EKTPChip
import EKTPDomain
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import Logging
import XCTest

/// The station's side of chip encoding against a real PC/SC stack: Debian's pcscd with the
/// vpcd reader driver, a test chip on python3-virtualsmartcard (`ektp-test-card`) and the
/// reference module (`ektp-test-module`). Neither the chip nor the module shares code with
/// the station: what the chip holds at the end is read from the chip program's own record.
final class ChipSessionTests: XCTestCase {
    var stack: SmartCardStack!
    let device = DeviceID(vendor: "sim", serial: "ENC1")

    override func setUp() async throws {
        stack = try await SmartCardStack.startForThisProcess()
    }

    override func tearDown() async throws {
        stack?.stop()
    }

    func encoder(module: [String]? = nil, step: Int = 20) -> ChipEncoder {
        ChipEncoder(
            settings: ChipSettings(
                module: module ?? ["/usr/bin/python3", SmartCardStack.script("ektp-test-module")], readers: [device: stack.readerName], stepSeconds: step,
                sessionSeconds: 60, cardWaitSeconds: 2, apduSeconds: 5),
            logger: Logger(label: "chip-test"))
    }

    static let order: ChipOrder = {
        let regions = try! RegionData.load()
        let job = try! SyntheticJobs(regions: regions, signer: ApprovalSigner.generate(keyId: "chip")).jobs(count: 1, kecamatan: "32.16.01")[0]
        return ChipOrder(job: job.id, contentHash: Data((0..<32).map { UInt8($0 * 7 & 0xFF) }), card: job.card)
    }()

    /// What the reference module writes: the content hash, then the NIK's digits.
    var expectedChip: String {
        Self.order.contentHash.map { String(format: "%02X", $0) }.joined() + Array(Self.order.card.nik.digits.utf8).map { String(format: "%02X", $0) }.joined()
    }

    func inField(_ mode: String? = nil, _ body: () async throws -> Void) async throws {
        if let mode { try stack.command("mode \(mode)") }
        try stack.command("insert")
        try await body()
        try stack.command("remove")
    }

    func testTheChipIsWrittenAndTheStationReadsItBack() async throws {
        let ready = await encoder().unreadiness(of: device)
        XCTAssertNil(ready)
        try await inField {
            let verdict = await encoder().encode(Self.order, on: device)
            guard case .verified = verdict else { return XCTFail("\(verdict)") }
        }
        let chip = try XCTUnwrap(stack.chips().last)
        XCTAssertTrue(chip.written)
        XCTAssertEqual(chip.data, expectedChip)
    }

    func testAMuteChipIsAFailedEncodeAndNothingIsSentToIt() async throws {
        try await inField("mute") {
            let verdict = await encoder().encode(Self.order, on: device)
            XCTAssertEqual(verdict.result, .failed, "\(verdict)")
            XCTAssertTrue(verdict.reason.contains("mute"), verdict.reason)
        }
        XCTAssertEqual(stack.chips().last?.written, false)
    }

    func testAWriteTheChipRefusesIsAFailedEncode() async throws {
        try await inField("refuse-write") {
            let verdict = await encoder().encode(Self.order, on: device)
            XCTAssertEqual(verdict.result, .failed, "\(verdict)")
            XCTAssertTrue(verdict.reason.contains("6982"), verdict.reason)
        }
    }

    func testAChipThatLeavesTheFieldMidWriteIsInterrupted() async throws {
        try await inField("vanish-on-write") {
            let verdict = await encoder().encode(Self.order, on: device)
            XCTAssertEqual(verdict.result, .interrupted, "\(verdict)")
        }
    }

    func testTheReaderGoneMidWriteIsInterrupted() async throws {
        try stack.command("mode slow-write")
        try stack.command("insert")
        let stack = self.stack!
        Task {
            try await Task.sleep(for: .seconds(2))
            stack.stopDaemon()
        }
        let verdict = await encoder().encode(Self.order, on: device)
        XCTAssertEqual(verdict.result, .interrupted, "\(verdict)")
    }

    func testNoCardInTheFieldLeavesTheBlangkoWhole() async throws {
        let verdict = await encoder().encode(Self.order, on: device)
        XCTAssertEqual(verdict.result, .refused, "\(verdict)")
    }

    func testAModuleThatHangsBeforeWritingLeavesTheCardWhole() async throws {
        try await inField {
            let verdict = await encoder(module: ["/usr/bin/python3", SmartCardStack.script("ektp-test-module"), "--hang", "before-write"], step: 2)
                .encode(Self.order, on: device)
            XCTAssertEqual(verdict.result, .refused, "\(verdict)")
        }
        XCTAssertEqual(stack.chips().last?.written, false)
    }

    func testAModuleThatHangsAfterAnnouncingItsWriteIsInterrupted() async throws {
        try await inField {
            let verdict = await encoder(module: ["/usr/bin/python3", SmartCardStack.script("ektp-test-module"), "--hang", "after-write"], step: 2)
                .encode(Self.order, on: device)
            XCTAssertEqual(verdict.result, .interrupted, "\(verdict)")
        }
    }

    func testAModuleRefusalBeforeAnyWriteLeavesTheCardWhole() async throws {
        try await inField {
            let verdict = await encoder(module: ["/usr/bin/python3", SmartCardStack.script("ektp-test-module"), "--refuse"]).encode(Self.order, on: device)
            XCTAssertEqual(verdict.result, .refused, "\(verdict)")
        }
    }

    func testAReadBackThatDiffersIsAFailedEncode() async throws {
        try await inField {
            let verdict = await encoder(module: ["/usr/bin/python3", SmartCardStack.script("ektp-test-module"), "--wrong-verify"]).encode(
                Self.order, on: device)
            XCTAssertEqual(verdict.result, .failed, "\(verdict)")
        }
    }

    func testAPrinterWithoutModuleOrReaderIsNotReady() async throws {
        let noModule = ChipEncoder(settings: ChipSettings(module: nil, readers: [device: stack.readerName]), logger: Logger(label: "t"))
        let noModuleAnswer = await noModule.unreadiness(of: device)
        XCTAssertNotNil(noModuleAnswer)
        let otherReader = ChipEncoder(
            settings: ChipSettings(module: ["/usr/bin/python3"], readers: [device: "no such reader 00 00"]), logger: Logger(label: "t"))
        let otherAnswer = await otherReader.unreadiness(of: device)
        XCTAssertTrue(otherAnswer?.contains("tidak ditemukan") == true)
        stack.stopDaemon()
        let goneAnswer = await encoder().unreadiness(of: device)
        XCTAssertNotNil(goneAnswer)
    }
}
