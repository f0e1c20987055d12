/// Why a byte transport failed. Drivers map every case to "no answer": a status is
/// `offline`, a card in flight is `unknown`.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The device is gone (unplugged, powered off, not found on the bus).
    case disconnected(String)
    /// No reply came in time.
    case timeout
    /// The transfer failed for another reason (a stall, a libusb error).
    case io(String)

    public var description: String {
        switch self {
        case .disconnected(let why): "perangkat terputus: \(why)"
        case .timeout: "printer tidak menjawab tepat waktu"
        case .io(let why): "transfer USB gagal: \(why)"
        }
    }
}

/// A byte pipe to one printer: bulk OUT and bulk IN over libusb, or an in-memory
/// emulator. The protocol code (Evolis, Magicard) runs on either.
public protocol ByteTransport: Sendable {
    /// Sends every byte, or throws.
    func write(_ bytes: [UInt8]) async throws
    /// One reply from the printer (one bulk IN transfer), waiting at most `timeout`.
    func read(timeout: Duration) async throws -> [UInt8]
    /// Gives the device back (releases the interface, reattaches the kernel driver).
    func close() async
}

/// Opens a transport to one particular printer, found again by its serial number each
/// time: a printer unplugged and plugged into another port is reached the same way.
public protocol TransportSource: Sendable {
    func connect() async throws -> any ByteTransport
}

/// Holds the current transport of a driver, drops it on any transfer failure and opens a
/// fresh one (re-enumerating the bus) on the next use. This is the driver's hot-plug: a
/// printer that vanished is offline; the printer back is in service again.
actor TransportLink {
    let source: any TransportSource
    private var current: (any ByteTransport)?

    init(source: any TransportSource) {
        self.source = source
    }

    /// The open transport, connecting if there is none.
    func transport() async throws -> any ByteTransport {
        if let current { return current }
        let fresh = try await source.connect()
        current = fresh
        return fresh
    }

    /// Sends a command and returns the printer's reply; on failure the transport is closed
    /// and forgotten so the next call re-enumerates. Exchanges never interleave: a
    /// command and its reply are one turn on the wire.
    func exchange(_ bytes: [UInt8], timeout: Duration) async throws -> [UInt8] {
        await acquire()
        defer { release() }
        let t = try await transport()
        do {
            try await t.write(bytes)
            return try await t.read(timeout: timeout)
        } catch {
            await drop()
            throw error
        }
    }

    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    private func acquire() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }

    func drop() async {
        if let current { await current.close() }
        current = nil
    }
}
