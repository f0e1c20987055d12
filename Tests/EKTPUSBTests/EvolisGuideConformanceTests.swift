import EKTPDomain
import Foundation
import Testing

@testable import EKTPDrivers

/// The Evolis driver's bytes against the vendor's own documents, not against code of
/// ours: the Programming Guide A5013 Rev. E (panel size and sequence, p.4, p.14, p.20,
/// p.42, p.69), the Evolis SDK sample (`CPrinter.vb`: command order, reply words, time
/// limits) and the Windows driver's captured output in dpavlin/Printer-EVOLIS
/// `test.windows/` (which dot comes first). docs/usb.md cites each.
@Suite struct EvolisGuideConformanceTests {
    static let card = PanelGeometry(width: 1016, height: 648)

    /// Guide p.14: a panel is always 648 dots by 1016 lines; 2 levels is one bit a dot
    /// (81 bytes a line), 128 levels seven. (The guide's own table multiplies from
    /// 676,992 dots, which 648 × 1016 is not; the Perl driver, the SDK's buffer of
    /// 1016 × 648 / 8 + 9 bytes and the capture's 1016 lines of 81 bytes all agree on 82,296.)
    @Test(arguments: [(2, 82_296), (32, 411_480), (64, 493_776), (128, 576_072)])
    func panelSizesFollowTheGuide(levels: Int, bytes: Int) {
        #expect(EvolisProtocol.panelLength(Self.card, levels: levels) == bytes)
    }

    /// The whole card as the SDK's colour job sends it, with the sizes the printer
    /// counts: `Db` carries no length, so a byte too many or too few shears the card.
    @Test func aCardIsTheSDKsSequenceWithFullPanels() {
        let planes = Self.blank()
        let steps = EvolisProtocol.job(planes, ribbon: "YMCKO")
        let heads = steps.map { step -> String in
            let bytes = step.bytes
            #expect(bytes.first == 0x1B && bytes.last == 0x0D)
            let text = String(decoding: bytes.dropFirst().prefix(while: { $0 != 0x0D }).prefix(12), as: UTF8.self)
            return text.hasPrefix("Db;") ? String(text.split(separator: ";").prefix(3).joined(separator: ";")) : text
        }
        #expect(heads == ["Pem;2", "Pr;ymcko", "Ss", "Db;y;128", "Db;m;128", "Db;c;128", "Db;k;2", "Db;o;2", "Se"])
        for step in steps where step.stage == .panels {
            // ESC, `Db`, panel, levels, each followed by `;`, then the data and CR.
            let parts = step.bytes.dropFirst().prefix(10).split(separator: UInt8(ascii: ";"), maxSplits: 3, omittingEmptySubsequences: false)
            let levels = Int(String(decoding: parts[2], as: UTF8.self)) ?? 0
            let head = 1 + parts[0].count + parts[1].count + parts[2].count + 3
            #expect(step.bytes.count == head + EvolisProtocol.panelLength(Self.card, levels: levels) + 1)
        }
        #expect(steps.map(\.wait) == [.command, .command, .command, .download, .download, .download, .download, .download, .eject])
        #expect(EvolisProtocol.Wait.download.duration == .seconds(30))
        #expect(EvolisProtocol.Wait.eject.duration == .seconds(10))
    }

    /// The Windows driver's capture decodes as the card turned a quarter clockwise: line n
    /// is the card's column n, and a line's first dot is at the card's bottom edge. One
    /// black dot in each corner of the upright card lands on exactly one bit.
    @Test(arguments: [
        (0, 647, 0, UInt8(0x80)),  // bottom-left: the first bit sent
        (0, 0, 80, UInt8(0x01)),  // top-left: the last dot of the first line
        (1015, 647, 1015 * 81, UInt8(0x80)),  // bottom-right: the first dot of the last line
        (1015, 0, 82_295, UInt8(0x01)),  // top-right: the last bit sent
        (8, 639, 8 * 81 + 1, UInt8(0x80)),
    ])
    func oneDotLandsWhereTheCaptureSaysIt(x: Int, y: Int, byte: Int, value: UInt8) {
        var black = Data(count: 127 * 648)
        black[y * 127 + x / 8] = 0x80 >> UInt8(x % 8)
        let panel = EvolisProtocol.bitPanel(black, Self.card)
        #expect(panel.count == 82_296)
        let set = panel.indices.filter { panel[$0] != 0 }
        #expect(set == [byte])
        #expect(panel[byte] == value)
    }

    /// Colour at 128 levels is one stream of seven-bit values in the same dot order, full
    /// ink 127 (QZ Tray's Evolis encoder and the guide p.14: "7 bytes = 8 pixels").
    @Test func colourDotsFollowTheSameOrderAtSevenBits() {
        var yellow = Data(count: 1016 * 648)
        yellow[647 * 1016 + 0] = 0xFF  // bottom-left: the first dot
        yellow[0 * 1016 + 0] = 0x80  // top-left: dot 647 of line 0
        let panel = EvolisProtocol.colourPanel(yellow, Self.card)
        #expect(panel.count == 576_072)
        #expect(panel[0] == 0xFE)  // 1111111 then 0
        // Dot 647 of line 0 starts at bit 647 × 7 = 4529: byte 566, bit 1 from the top,
        // and 0x80 is the seven-bit 1000000.
        #expect(panel[566] == 0b0100_0000 && panel[567] == 0)
        #expect(panel.enumerated().filter { $0.element != 0 }.map(\.offset) == [0, 566])
    }

    /// Every answer the SDK's dictionary and the guide document, at every stage of a card,
    /// has one meaning; an answer nobody documents never counts as printed.
    @Test(arguments: EvolisProtocol.Fault.allCases)
    func everyDocumentedAnswerHasAVerdict(fault: EvolisProtocol.Fault) {
        #expect(EvolisProtocol.Fault(reply: fault.rawValue) == fault)
        if case .notFed = EvolisProtocol.verdict(reply: fault.rawValue, stage: .setup) {} else { Issue.record("\(fault) before a card is fed") }
        let atPanels = EvolisProtocol.verdict(reply: fault.rawValue, stage: .panels)
        let atEject = EvolisProtocol.verdict(reply: fault.rawValue, stage: .eject)
        switch fault {
        case .feederEmpty:
            #expect(atPanels == .notFed(fault.label))
        case .cardJam:
            #expect(atPanels == .spoiled("kartu macet (CARD JAM)") && atEject == .spoiled("kartu macet (CARD JAM)"))
        default:
            if case .unknown = atPanels {} else { Issue.record("\(fault) during the panels: \(atPanels)") }
        }
        if fault != .cardJam, case .spoiled = atEject { Issue.record("\(fault) at Se spoils nothing it knows of") }
        if case .notFed = atEject { Issue.record("\(fault) at Se: a card was fed") }
    }

    @Test(arguments: ["ERR FEEDER EMPTY", "ERR NEED CLEANING", "ERROR TIME OUT", "ERR CARD", "feeder empty"])
    func theGuidesAndTheSDKsSpellingsBothRead(text: String) {
        #expect(EvolisProtocol.Fault(reply: text) != nil, "\(text)")
    }

    @Test(arguments: ["READY", "BUSY", "ERR HEAD TEMP", "PRINTING", "", "OKAY"])
    func anAnswerNobodyDocumentsLeavesTheCardUnknown(text: String) {
        for stage in [EvolisProtocol.Stage.setup, .panels, .eject] {
            if case .unknown = EvolisProtocol.verdict(reply: text, stage: stage) {} else { Issue.record("\"\(text)\" at \(stage)") }
        }
    }

    @Test func replyTextDropsTerminators() {
        #expect(EvolisProtocol.text(Array("PRI1\r".utf8)) == "PRI1")
        #expect(EvolisProtocol.text(Array("OK\0".utf8)) == "OK")
        #expect(EvolisProtocol.volts("5,00 Volts") == 5.0)
        #expect(EvolisProtocol.volts("0,00 Volts") == 0.0)
    }

    static func blank() -> PrintPlanes {
        PrintPlanes(
            geometry: card, yellow: Data(count: 1016 * 648), magenta: Data(count: 1016 * 648), cyan: Data(count: 1016 * 648),
            black: Data(count: 127 * 648), overlay: Data(count: 127 * 648))
    }
}
