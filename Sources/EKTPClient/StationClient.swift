import AsyncHTTPClient
import EKTPWire
import Foundation
import NIOCore
import NIOHTTP1

/// A client of the station daemon's local API (`ektpd`), over its Unix domain socket.
///
/// The client owns an `HTTPClient` unless one is handed in: call `shutdown()` when done,
/// or use `withClient(socketPath:_:)`, which does it on every path. Requests are never
/// retried: a change the daemon may have applied is not sent twice.
public struct StationClient: Sendable {
    /// Where `ektpd` listens unless told otherwise.
    public static let defaultSocketPath = "/run/ektp/ektpd.sock"
    /// The environment variable that overrides the default socket path.
    public static let socketEnvironmentKey = "EKTP_SOCKET"
    /// The daemon's own setting for its socket (`station.socket` as an `EKTP_*` variable),
    /// honoured second so one variable can point both programs at the same place.
    public static let daemonSocketEnvironmentKey = "EKTP_STATION_SOCKET"
    /// The default cap on an answer's size: lists of thousands of jobs stay well under it.
    public static let defaultMaxResponseBytes = 8 * 1_048_576

    /// The socket this client talks to.
    public let socketPath: String
    /// How long one request may take, connection included.
    public let timeout: Duration
    /// Answers larger than this are refused.
    public let maxResponseBytes: Int
    private let http: HTTPClient
    private let ownsHTTPClient: Bool
    private let userAgent: String

    /// A client with its own `HTTPClient`; call `shutdown()` when done.
    public init(
        socketPath: String = StationClient.defaultSocketPath,
        timeout: Duration = .seconds(30),
        maxResponseBytes: Int = StationClient.defaultMaxResponseBytes,
        userAgent: String = "EKTPClient"
    ) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: Self.timeAmount(timeout))
        // A local socket either accepts at once or not at all; retrying would only turn
        // "ektpd is not running" into a long wait.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        self.init(
            socketPath: socketPath, timeout: timeout, maxResponseBytes: maxResponseBytes, userAgent: userAgent,
            http: HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration),
            owns: true)
    }

    /// A client sharing an existing `HTTPClient`, which its owner shuts down.
    public init(
        socketPath: String, httpClient: HTTPClient, timeout: Duration = .seconds(30),
        maxResponseBytes: Int = StationClient.defaultMaxResponseBytes, userAgent: String = "EKTPClient"
    ) {
        self.init(
            socketPath: socketPath, timeout: timeout, maxResponseBytes: maxResponseBytes, userAgent: userAgent,
            http: httpClient, owns: false)
    }

    private init(socketPath: String, timeout: Duration, maxResponseBytes: Int, userAgent: String, http: HTTPClient, owns: Bool) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
        self.http = http
        self.ownsHTTPClient = owns
    }

    /// Runs `body` with a new client and shuts the client down afterwards, also when
    /// `body` throws.
    public static func withClient<Result: Sendable>(
        socketPath: String = StationClient.defaultSocketPath,
        timeout: Duration = .seconds(30),
        userAgent: String = "EKTPClient",
        _ body: (StationClient) async throws -> Result
    ) async throws -> Result {
        let client = StationClient(socketPath: socketPath, timeout: timeout, userAgent: userAgent)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return result
    }

    /// Closes connections and releases the `HTTPClient`, if this client owns it.
    public func shutdown() async throws {
        guard ownsHTTPClient else { return }
        try await http.shutdown()
    }

    /// The socket path to use: an explicit option first, then `EKTP_SOCKET`, then
    /// `EKTP_STATION_SOCKET`, then the default.
    public static func resolveSocketPath(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        for key in [socketEnvironmentKey, daemonSocketEnvironmentKey] {
            if let env = environment[key], !env.isEmpty { return env }
        }
        return defaultSocketPath
    }

    // MARK: - Transport

    /// Sends one request and decodes a 2xx answer as `Answer`; any other answer becomes a
    /// `StationClientError`.
    func send<Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        headers: [(String, String)] = [], as: Answer.Type = Answer.self
    ) async throws(StationClientError) -> Answer {
        let (status, data) = try await exchange(method, path, query: query, body: body, headers: headers)
        do {
            return try WireCoding.decoder().decode(Answer.self, from: data)
        } catch {
            throw .undecodable(status: status, error, socketPath: socketPath)
        }
    }

    /// Encodes `request` as the body of a POST and decodes the answer.
    func post<Request: Encodable, Answer: Decodable>(
        _ path: String, _ request: Request, as: Answer.Type = Answer.self
    ) async throws(StationClientError) -> Answer {
        let body: Data
        do {
            body = try WireCoding.encoder().encode(request)
        } catch {
            // Only non-finite doubles fail to encode, and no request type holds one.
            preconditionFailure("request does not encode: \(error)")
        }
        return try await send(.POST, path, body: body)
    }

    /// One HTTP exchange: the status and body of a 2xx answer, or the error it stands for.
    func exchange(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        headers: [(String, String)] = []
    ) async throws(StationClientError) -> (status: Int, body: Data) {
        let uri = "/" + StationAPI.version + path + Self.queryString(query)
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: uri) else {
            throw .unreachable(reason: "path soket tidak valid", socketPath: socketPath)
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: userAgent)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let changing = method != .GET
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: Self.timeAmount(timeout))
        } catch {
            throw classifyTransportError(error, changing: changing)
        }
        let status = Int(response.status.code)
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw .tooLarge(status: status, limit: maxResponseBytes, socketPath: socketPath)
        } catch {
            throw classifyTransportError(error, changing: changing)
        }
        let data = Data(buffer.readableBytesView)
        guard (200..<300).contains(status) else {
            throw .fromAnswer(status: status, body: data, socketPath: socketPath)
        }
        return (status, data)
    }

    /// Turns what AsyncHTTPClient or NIO threw into a failure a person can act on.
    private func classifyTransportError(_ error: any Error, changing: Bool) -> StationClientError {
        if let io = error as? IOError {
            switch io.errnoCode {
            case ENOENT: return .unreachable(reason: "soket tidak ada", socketPath: socketPath)
            case ECONNREFUSED: return .unreachable(reason: "tidak ada yang mendengarkan di soket", socketPath: socketPath)
            case EACCES, EPERM: return .unreachable(reason: "tidak ada izin membuka soket", socketPath: socketPath)
            case ENOTSOCK: return .unreachable(reason: "path itu bukan soket", socketPath: socketPath)
            default: return .unreachable(reason: io.description, socketPath: socketPath)
            }
        }
        if error is SocketAddressError {
            return .unreachable(reason: "path soket tidak valid atau terlalu panjang", socketPath: socketPath)
        }
        if let ahc = error as? HTTPClientError {
            switch ahc {
            case .connectTimeout:
                return .unreachable(reason: "waktu tunggu koneksi habis", socketPath: socketPath)
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .noAnswer(changing: changing, reason: "waktu tunggu \(timeout.components.seconds) detik habis", socketPath: socketPath)
            case .remoteConnectionClosed:
                return .noAnswer(changing: changing, reason: "koneksi ditutup sebelum jawaban lengkap", socketPath: socketPath)
            default:
                break
            }
        }
        if error is ChannelError {
            return .noAnswer(changing: changing, reason: "\(error)", socketPath: socketPath)
        }
        return .unreachable(reason: "\(error)", socketPath: socketPath)
    }

    /// `?a=b&c=d`, with values percent-encoded; empty when there is no query.
    static func queryString(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        // Unreserved characters of RFC 3986 (ASCII only), plus ':' for place keys.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:")
        return "?"
            + items.map { key, value in
                "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
            }.joined(separator: "&")
    }

    private static func timeAmount(_ d: Duration) -> TimeAmount {
        let (seconds, attoseconds) = d.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
