import CCups
import Dispatch
import Foundation

/// A failure libcups reported, in its own words (`cupsLastErrorString`).
public struct CUPSError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The server did not answer: refused, reset, timed out.
        case transport
        /// The server answered with an IPP error status.
        case ipp(Int32)
    }
    public let kind: Kind
    public let description: String

    /// The error libcups recorded for the calling thread. libcups keeps its last error per
    /// thread, so this must run in the same block as the failing call.
    static func last(_ what: String) -> CUPSError {
        let status = cupsLastError()
        let text = cupsLastErrorString().map { String(cString: $0) } ?? "tidak diketahui"
        // IPP_STATUS_ERROR_SERVICE_UNAVAILABLE and IPP_STATUS_ERROR_INTERNAL are what libcups
        // sets when the connection itself failed.
        let transport = status == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || status == IPP_STATUS_ERROR_INTERNAL
        return CUPSError(kind: transport ? .transport : .ipp(Int32(status.rawValue)), description: "\(what): \(text)")
    }
}

/// One IPP attribute value set as plain Swift values, read out of an `ipp_t` before it is freed.
package struct IPPAttributes: Sendable {
    var strings: [String: [String]] = [:]
    var integers: [String: [Int]] = [:]
    var booleans: [String: Bool] = [:]

    func string(_ name: String) -> String? { strings[name]?.first }
    package func integer(_ name: String) -> Int? { integers[name]?.first }

    /// Copies every attribute of `response` (strings, keywords, URIs, enums, integers, booleans).
    init(_ response: OpaquePointer) {
        var attr = ippFirstAttribute(response)
        while let a = attr {
            add(a)
            attr = ippNextAttribute(response)
        }
    }
    init() {}

    /// The job groups of a Get-Jobs answer, one value set per job.
    static func jobs(_ response: OpaquePointer) -> [IPPAttributes] {
        var jobs: [IPPAttributes] = []
        var current: IPPAttributes?
        var attr = ippFirstAttribute(response)
        while let a = attr {
            if ippGetGroupTag(a) == IPP_TAG_JOB, ippGetName(a) != nil {
                if current == nil { current = IPPAttributes() }
                current?.add(a)
            } else if let job = current {
                // A separator or another group ends the job.
                jobs.append(job)
                current = nil
            }
            attr = ippNextAttribute(response)
        }
        if let current { jobs.append(current) }
        return jobs
    }

    private mutating func add(_ a: OpaquePointer) {
        guard let namePtr = ippGetName(a) else { return }
        let name = String(cString: namePtr)
        let count = Int(ippGetCount(a))
        switch ippGetValueTag(a) {
        case IPP_TAG_INTEGER, IPP_TAG_ENUM:
            integers[name] = (0..<count).map { Int(ippGetInteger(a, Int32($0))) }
        case IPP_TAG_BOOLEAN:
            booleans[name] = ippGetBoolean(a, 0) != 0
        case IPP_TAG_TEXT, IPP_TAG_NAME, IPP_TAG_KEYWORD, IPP_TAG_URI, IPP_TAG_TEXTLANG, IPP_TAG_NAMELANG,
            IPP_TAG_MIMETYPE, IPP_TAG_STRING, IPP_TAG_CHARSET, IPP_TAG_LANGUAGE, IPP_TAG_URISCHEME:
            strings[name] = (0..<count).map { i in ippGetString(a, Int32(i), nil).map { String(cString: $0) } ?? "" }
        default: break
        }
    }
}

/// One `http_t` connection to a CUPS server (or an IPP printer), used from one serial
/// queue only: libcups connections are not thread-safe, and its calls block, so they run
/// on this queue and never on Swift's cooperative pool. The connection is opened on first
/// use and dropped after a transport failure, so the next call reconnects (cupsd restarted).
///
/// The connection counts the sockets it has used (`epoch`). libcups reconnects on its own
/// inside a request when the old socket is dead (`cupsSendRequest` → `httpReconnect2`), so
/// a cupsd that was restarted between two requests answers the second one as if nothing
/// happened. A restarted cupsd cannot keep our TCP connection, so a new socket under the
/// same `http_t` is the trace it leaves: the caller compares epochs to know whether it
/// talked to the same cupsd all along.
final class CUPSConnection: @unchecked Sendable {
    let host: String
    let port: Int
    let timeout: Double
    private let queue: DispatchQueue
    /// Only touched on `queue`.
    private var http: OpaquePointer?
    /// The socket last seen under `http` (device and inode of its descriptor), and how many
    /// times it changed. Only touched on `queue`.
    private var socket: SocketID?
    private var epoch = 0

    private struct SocketID: Equatable {
        var device: UInt64
        var inode: UInt64
    }

    init(host: String, port: Int, timeout: Double, label: String) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.queue = DispatchQueue(label: "ektp.cups.\(label)")
    }

    deinit {
        if let http { httpClose(http) }
    }

    /// `host:port` as libcups and IPP URIs want it; a domain socket is `localhost`.
    var authority: String { host.hasPrefix("/") ? "localhost" : "\(host):\(port)" }

    /// Runs `body` with the open connection on the connection's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await runCounted(body).value
    }

    /// Runs `body` like `run`, and returns with its result the connection's epoch after the
    /// call: the number of times the socket to the server has changed so far.
    func runCounted<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> (value: T, epoch: Int) {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    let http = try self.open()
                    do {
                        let value = try body(http)
                        self.noteSocket(http)
                        continuation.resume(returning: (value, self.epoch))
                    } catch {
                        self.noteSocket(http)
                        // After anything but a plain IPP error answer the connection may be
                        // mid-request or dead: start afresh next time.
                        if (error as? CUPSError)?.kind == .transport || !(error is CUPSError) { self.drop() }
                        continuation.resume(throwing: error)
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Records the socket `http` uses now; a different one than last time is a new epoch.
    /// A socket's inode stays unique while it is open and is not handed out again soon after
    /// it closes (Linux numbers them from a running counter), so a reconnection is seen even
    /// when the new socket gets the old descriptor number.
    private func noteSocket(_ http: OpaquePointer) {
        let fd = httpGetFd(http)
        guard fd >= 0 else { return }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        let id = SocketID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        if let socket, socket != id { epoch += 1 }
        socket = id
    }

    /// Closes the connection (on the queue) so that the next call opens a new one.
    func close() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            queue.async {
                self.drop()
                c.resume()
            }
        }
    }

    private func open() throws -> OpaquePointer {
        if let http { return http }
        guard let http = httpConnect2(host, Int32(port), nil, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1, Int32(timeout * 1000), nil) else {
            throw CUPSError(kind: .transport, description: "tidak bisa tersambung ke \(authority): \(String(cString: strerror(errno)))")
        }
        httpSetTimeout(http, timeout, nil, nil)
        self.http = http
        return http
    }

    private func drop() {
        if let http { httpClose(http) }
        http = nil
    }
}

// MARK: IPP requests (call only inside `CUPSConnection.run`)

enum IPP {
    /// Adds `requested-attributes`.
    static func request(_ op: ipp_op_t, uriName: String, uri: String, requested: [String] = []) -> OpaquePointer {
        let request = ippNewRequest(op)!
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, uriName, nil, uri)
        if !requested.isEmpty {
            let copies = requested.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
            ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", Int32(requested.count), nil, &pointers)
        }
        return request
    }

    /// Sends `request` (which libcups frees) and returns the response's attributes; an
    /// IPP error status or no response at all is thrown.
    static func send(_ http: OpaquePointer, _ request: OpaquePointer, resource: String, what: String) throws -> IPPAttributes {
        try send(http, request, resource: resource, what: what, read: IPPAttributes.init)
    }

    /// Sends `request` (which libcups frees) and reads the response with `read` before it
    /// is freed; an IPP error status or no response at all is thrown.
    static func send<T>(
        _ http: OpaquePointer, _ request: OpaquePointer, resource: String, what: String, read: (OpaquePointer) -> T
    ) throws -> T {
        guard let response = cupsDoRequest(http, request, resource) else { throw CUPSError.last(what) }
        defer { ippDelete(response) }
        if ippGetStatusCode(response).rawValue > IPP_STATUS_OK_EVENTS_COMPLETE.rawValue { throw CUPSError.last(what) }
        return read(response)
    }
}

extension CUPSConnection {
    /// Queue names from `cupsGetDests2` (instances left out).
    func destinations() async throws -> [String] {
        try await run { http in
            var dests: UnsafeMutablePointer<cups_dest_t>?
            let count = cupsGetDests2(http, &dests)
            defer { cupsFreeDests(count, dests) }
            if count == 0, cupsLastError().rawValue > IPP_STATUS_OK_EVENTS_COMPLETE.rawValue, cupsLastError() != IPP_STATUS_ERROR_NOT_FOUND {
                throw CUPSError.last("daftar antrean CUPS")
            }
            guard let dests else { return [] }
            return (0..<Int(count)).compactMap { i in
                dests[i].instance == nil ? String(cString: dests[i].name) : nil
            }
        }
    }
}
