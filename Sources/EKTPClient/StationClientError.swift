import EKTPWire
import Foundation

/// Why a call to the station daemon failed.
///
/// A struct with a private code, so new kinds of failure can be added without breaking
/// callers: ask `category`, `apiError` and `exitCode` instead of switching on cases.
public struct StationClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, as callers branch on it.
    public struct Category: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The daemon refused the request (HTTP 4xx); nothing changed.
        public static let refused = Category("refused")
        /// The daemon failed (HTTP 5xx) or answered something this client cannot read.
        public static let daemonFailed = Category("daemon-failed")
        /// No connection could be made to the socket.
        public static let unreachable = Category("unreachable")
        /// The connection was made but no complete answer came back in time.
        public static let noAnswer = Category("no-answer")

        public var description: String { name }
    }

    private enum Code: Sendable {
        case answer(status: Int, body: APIErrorBody)
        case unreadableAnswer(status: Int, reason: String)
        case unreachable(reason: String?)
        case noAnswer(changing: Bool, reason: String)
    }

    private let code: Code
    /// The socket the client talked to.
    public let socketPath: String

    private init(_ code: Code, socketPath: String) {
        self.code = code
        self.socketPath = socketPath
    }

    /// Which kind of failure this is.
    public var category: Category {
        switch code {
        case .answer(let status, _), .unreadableAnswer(let status, _):
            (400..<500).contains(status) ? .refused : .daemonFailed
        case .unreachable: .unreachable
        case .noAnswer: .noAnswer
        }
    }

    /// The daemon's own error body, when it sent one.
    public var apiError: APIErrorBody? {
        if case .answer(_, let body) = code { body } else { nil }
    }

    /// The HTTP status of the daemon's answer, when there was one.
    public var httpStatus: Int? {
        switch code {
        case .answer(let status, _), .unreadableAnswer(let status, _): status
        case .unreachable, .noAnswer: nil
        }
    }

    /// What to tell a person, in Indonesian. For a refusal this is the daemon's message
    /// and its per-item details.
    public var description: String {
        switch code {
        case .answer(_, let body):
            return body.description
        case .unreadableAnswer(let status, let reason):
            if (400..<500).contains(status) {
                return "daemon menolak permintaan (HTTP \(status)): \(reason)"
            }
            return "daemon gagal (HTTP \(status)): \(reason)"
        case .unreachable(let reason):
            let base = "daemon tidak dapat dihubungi di \(socketPath) (apakah ektpd berjalan?)"
            return reason.map { "\(base): \($0)" } ?? base
        case .noAnswer(let changing, let reason):
            var text = "daemon di \(socketPath) tidak menjawab: \(reason)"
            if changing {
                text += "\nperubahan mungkin sudah tercatat; periksa dulu sebelum mengulang perintah"
            }
            return text
        }
    }

    /// The exit status `ektpctl` uses for this failure (see `ExitStatus`).
    public var exitCode: Int32 {
        switch category {
        case .refused: ExitStatus.refused
        case .unreachable, .noAnswer: ExitStatus.unreachable
        default: ExitStatus.daemonFailed
        }
    }

    // MARK: Builders

    /// The failure an error answer stands for. A body that is not an `APIErrorBody`
    /// still gives an error, with its first bytes as the reason.
    static func fromAnswer(status: Int, body: Data, socketPath: String) -> StationClientError {
        if let api = try? WireCoding.decoder().decode(APIErrorBody.self, from: body) {
            return StationClientError(.answer(status: status, body: api), socketPath: socketPath)
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return StationClientError(
            .unreadableAnswer(status: status, reason: text.isEmpty ? "tanpa keterangan" : text),
            socketPath: socketPath)
    }

    /// A successful answer whose body does not decode as the contract says.
    static func undecodable(status: Int, _ error: any Error, socketPath: String) -> StationClientError {
        StationClientError(
            .unreadableAnswer(status: status, reason: "jawaban tidak sesuai kontrak API: \(JobVerifier.describe(error))"),
            socketPath: socketPath)
    }

    static func tooLarge(status: Int, limit: Int, socketPath: String) -> StationClientError {
        StationClientError(
            .unreadableAnswer(status: status, reason: "jawaban lebih besar dari \(limit / 1_048_576) MiB"),
            socketPath: socketPath)
    }

    static func unreachable(reason: String?, socketPath: String) -> StationClientError {
        StationClientError(.unreachable(reason: reason), socketPath: socketPath)
    }

    static func noAnswer(changing: Bool, reason: String, socketPath: String) -> StationClientError {
        StationClientError(.noAnswer(changing: changing, reason: reason), socketPath: socketPath)
    }
}

/// Exit statuses of `ektpctl`, documented in `docs/ektpctl.md`.
public enum ExitStatus {
    /// Done.
    public static let ok: Int32 = 0
    /// The daemon refused the request (HTTP 4xx), or `audit verify` found the chain broken.
    public static let refused: Int32 = 1
    /// The command line was wrong; nothing was sent.
    public static let usage: Int32 = 2
    /// The daemon could not be reached, or did not answer.
    public static let unreachable: Int32 = 3
    /// The daemon failed (HTTP 5xx) or answered outside the contract.
    public static let daemonFailed: Int32 = 4
}
