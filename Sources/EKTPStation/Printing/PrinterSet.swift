import EKTPDomain
import EKTPDrivers
import Synchronization

/// The printers the station drives. It grows while the daemon runs when the operator adds
/// a printer plugged in (`ektpctl devices add`, docs/usb.md "Hot-plug"); the print worker
/// starts driving each one as it comes.
public final class PrinterSet: Sendable {
    private let members: Mutex<[any CardPrinter]>
    private let stream: AsyncStream<any CardPrinter>
    private let continuation: AsyncStream<any CardPrinter>.Continuation

    public init(_ printers: [any CardPrinter] = []) {
        members = Mutex(printers)
        (stream, continuation) = AsyncStream.makeStream(of: (any CardPrinter).self)
    }

    public var all: [any CardPrinter] { members.withLock { $0 } }

    public func printer(_ id: DeviceID) -> (any CardPrinter)? { all.first { $0.info.id == id } }

    public func contains(_ id: DeviceID) -> Bool { printer(id) != nil }

    /// Adds a printer; false when one with its id is there already (identity is the serial).
    @discardableResult
    public func add(_ printer: any CardPrinter) -> Bool {
        let added = members.withLock { list -> Bool in
            guard !list.contains(where: { $0.info.id == printer.info.id }) else { return false }
            list.append(printer)
            return true
        }
        if added { continuation.yield(printer) }
        return added
    }

    /// Printers added after the worker started, as they come.
    var additions: AsyncStream<any CardPrinter> { stream }
}
