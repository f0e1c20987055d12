import EKTPHubRules
import EKTPInstall
import Foundation
import NIOCore
import NIOPosix

/// Sends one message through an SMTP relay (RFC 5321): EHLO, MAIL FROM, RCPT TO for each
/// recipient, DATA, QUIT, each reply read whole (multi-line replies included) and checked.
/// Plain SMTP to a relay the hub trusts (its own MTA or the office's), without
/// authentication or TLS; every step is bounded by `timeout`.
struct SMTPClient: Sendable {
    let relay: HostPort
    let heloName: String
    var timeout: Duration = .seconds(30)

    /// A reply that was not the one the step needs.
    struct Refusal: Error, CustomStringConvertible {
        let step: String
        let code: Int
        let text: String
        var description: String { "SMTP \(step): \(code) \(text)" }
        /// 4xx: the relay asks to try later.
        var transient: Bool { AlertRetry.retries(smtpReply: code) }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func send(from: String, to: [String], message: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.converse(from: from, to: to, message: message) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure(description: "SMTP \(relay.host):\(relay.port): tidak selesai dalam \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func converse(from: String, to: [String], message: String) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: relay.host, port: relay.port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        try await channel.executeThenClose { inbound, outbound in
            var replies = ReplyReader(inbound.makeAsyncIterator())
            func step(_ name: String, _ command: String?, expect: Set<Int>) async throws {
                if let command { try await outbound.write(ByteBuffer(string: command + "\r\n")) }
                let (code, text) = try await replies.next()
                guard expect.contains(code) else { throw Refusal(step: name, code: code, text: text) }
            }
            try await step("salam", nil, expect: [220])
            try await step("EHLO", "EHLO \(heloName)", expect: [250])
            try await step("MAIL FROM", "MAIL FROM:<\(from)>", expect: [250])
            for address in to { try await step("RCPT TO \(address)", "RCPT TO:<\(address)>", expect: [250, 251]) }
            try await step("DATA", "DATA", expect: [354])
            try await step("isi pesan", message + ".", expect: [250])
            try? await step("QUIT", "QUIT", expect: [221])
        }
    }

    /// Reads replies: lines `CODE-text` continue one, `CODE text` ends it.
    struct ReplyReader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var pending = ""

        init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }

        mutating func next() async throws -> (code: Int, text: String) {
            var lines: [String] = []
            while true {
                let line = try await nextLine()
                guard line.count >= 3, let code = Int(line.prefix(3)) else { throw Failure(description: "SMTP: balasan tidak dikenal \"\(line.prefix(80))\"") }
                lines.append(String(line.dropFirst(4)))
                if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, lines.joined(separator: " ")) }
            }
        }

        mutating func nextLine() async throws -> String {
            while true {
                if let end = pending.range(of: "\r\n") {
                    let line = String(pending[..<end.lowerBound])
                    pending.removeSubrange(..<end.upperBound)
                    return line
                }
                guard pending.utf8.count < 64 * 1024 else { throw Failure(description: "SMTP: baris balasan terlalu panjang") }
                guard var buffer = try await iterator.next() else { throw Failure(description: "SMTP: sambungan ditutup relay") }
                pending += buffer.readString(length: buffer.readableBytes) ?? ""
            }
        }
    }
}
