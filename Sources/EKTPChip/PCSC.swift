import CPCSCLite
import Foundation

/// A PC/SC call that did not succeed: the call and pcsc-lite's own words for its code.
public struct PCSCError: Error, CustomStringConvertible, Equatable, Sendable {
    public let call: String
    public let code: Int

    public var description: String {
        "\(call): \(String(cString: pcsc_stringify_error(LONG(code)))) (0x\(String(UInt32(truncatingIfNeeded: code), radix: 16)))"
    }

    /// The card left the field, the reader went, or pcscd stopped: the session is over.
    var sessionLost: Bool {
        [
            ektp_SCARD_W_REMOVED_CARD, ektp_SCARD_W_RESET_CARD, ektp_SCARD_W_UNPOWERED_CARD, ektp_SCARD_E_READER_UNAVAILABLE,
            ektp_SCARD_E_NO_SERVICE, ektp_SCARD_E_SERVICE_STOPPED, ektp_SCARD_E_UNKNOWN_READER, ektp_SCARD_F_COMM_ERROR,
            ektp_SCARD_E_NO_SMARTCARD, ektp_SCARD_E_NOT_TRANSACTED,
        ].contains(LONG(code))
    }
    /// No card in the reader, or the one there left (pcscd says "unpowered" when a card
    /// leaves while it powers it up).
    var cardAbsent: Bool {
        [ektp_SCARD_E_NO_SMARTCARD, ektp_SCARD_W_REMOVED_CARD, ektp_SCARD_W_UNPOWERED_CARD].contains(LONG(code))
    }
    var unresponsiveCard: Bool { LONG(code) == ektp_SCARD_W_UNRESPONSIVE_CARD }

    static func check(_ call: String, _ rc: LONG) throws(PCSCError) {
        guard rc == ektp_SCARD_S_SUCCESS else { throw PCSCError(call: call, code: Int(rc)) }
    }
}

/// One pcsc-lite context (`SCardEstablishContext`). Every PC/SC call blocks its thread, so
/// callers run them on their own dispatch queue (`ChipSession`), never on Swift's few
/// cooperative threads. pcsc-lite finds pcscd at `/run/pcscd/pcscd.comm`, or where
/// `PCSCLITE_CSOCK_NAME` says (the tests' private pcscd).
final class PCSCContext: @unchecked Sendable {
    let handle: SCARDCONTEXT

    init() throws(PCSCError) {
        var context = SCARDCONTEXT()
        try PCSCError.check("SCardEstablishContext", SCardEstablishContext(ektp_SCARD_SCOPE_SYSTEM, nil, nil, &context))
        handle = context
    }

    deinit { SCardReleaseContext(handle) }

    /// The readers pcscd knows now; none is an empty list, not an error.
    func readers() throws(PCSCError) -> [String] {
        var length = DWORD(0)
        let first = SCardListReaders(handle, nil, nil, &length)
        if first == ektp_SCARD_E_NO_READERS_AVAILABLE { return [] }
        try PCSCError.check("SCardListReaders", first)
        var buffer = [CChar](repeating: 0, count: Int(length))
        let second = SCardListReaders(handle, nil, &buffer, &length)
        if second == ektp_SCARD_E_NO_READERS_AVAILABLE { return [] }
        try PCSCError.check("SCardListReaders", second)
        // A multi-string: names separated by NUL, ended by an empty one.
        return buffer.split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// What is in a reader's field.
    enum Field: Equatable {
        case card(atr: [UInt8])
        /// A card is there and does not answer reset.
        case mute
        case empty
        case readerGone
    }

    /// Waits up to `milliseconds` for a card in `reader`'s field; what is there at the end.
    func waitForCard(in reader: String, milliseconds: Int) throws(PCSCError) -> Field {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        var known = ektp_SCARD_STATE_UNAWARE
        while true {
            let left = max(0, (deadline - ContinuousClock.now).milliseconds)
            let (rc, state, atr) = reader.withCString { name -> (LONG, DWORD, [UInt8]) in
                var states = SCARD_READERSTATE()
                states.szReader = name
                states.dwCurrentState = known
                let rc = SCardGetStatusChange(handle, DWORD(left), &states, 1)
                let atr = withUnsafeBytes(of: states.rgbAtr) { Array($0.prefix(Int(states.cbAtr))) }
                return (rc, states.dwEventState, atr)
            }
            if rc == ektp_SCARD_E_TIMEOUT { return known & ektp_SCARD_STATE_MUTE != 0 ? .mute : .empty }
            if rc == ektp_SCARD_E_UNKNOWN_READER || rc == ektp_SCARD_E_READER_UNAVAILABLE { return .readerGone }
            try PCSCError.check("SCardGetStatusChange", rc)
            if state & ektp_SCARD_STATE_UNAVAILABLE != 0 { return .readerGone }
            if state & ektp_SCARD_STATE_PRESENT != 0 && state & ektp_SCARD_STATE_MUTE == 0 { return .card(atr: atr) }
            known = state & ~DWORD(2)  // without SCARD_STATE_CHANGED: wait for the next change
            if left == 0 { return state & ektp_SCARD_STATE_MUTE != 0 ? .mute : .empty }
        }
    }

    /// Opens the card in `reader` for this station alone, T=0 or T=1 as the card offers.
    func connect(_ reader: String) throws(PCSCError) -> PCSCCard {
        var card = SCARDHANDLE()
        var proto = DWORD(0)
        try PCSCError.check(
            "SCardConnect",
            SCardConnect(handle, reader, ektp_SCARD_SHARE_EXCLUSIVE, ektp_SCARD_PROTOCOL_T0 | ektp_SCARD_PROTOCOL_T1, &card, &proto))
        return PCSCCard(handle: card, protocol: proto)
    }
}

/// A card connected exclusively.
final class PCSCCard: @unchecked Sendable {
    let handle: SCARDHANDLE
    let proto: DWORD
    private var open = true

    init(handle: SCARDHANDLE, protocol proto: DWORD) {
        self.handle = handle
        self.proto = proto
    }

    /// Sends one command APDU; the response with its status word.
    func transmit(_ apdu: [UInt8]) throws(PCSCError) -> [UInt8] {
        var send = SCARD_IO_REQUEST(dwProtocol: proto, cbPciLength: DWORD(MemoryLayout<SCARD_IO_REQUEST>.size))
        var response = [UInt8](repeating: 0, count: 65_538)
        var length = DWORD(response.count)
        let rc = apdu.withUnsafeBufferPointer { command in
            SCardTransmit(handle, &send, command.baseAddress, DWORD(command.count), nil, &response, &length)
        }
        try PCSCError.check("SCardTransmit", rc)
        return Array(response.prefix(Int(length)))
    }

    /// Ends the session and powers the card down.
    func disconnect() {
        guard open else { return }
        open = false
        SCardDisconnect(handle, ektp_SCARD_UNPOWER_CARD)
    }

    deinit { disconnect() }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
