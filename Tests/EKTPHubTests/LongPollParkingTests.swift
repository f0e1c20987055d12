import EKTPDomain
import EKTPWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import EKTPHub

/// `LongPollParking` in a channel of its own: what it passes on is what the connection's
/// task (Hummingbird's, the next handler) would read. A waiting long-poll must never
/// reach it, so that the poll is held by the pipeline and not by a suspended task
/// (docs/hub.md, "What a connected station costs the hub in memory").
@Suite("Long-polls held in the connection's pipeline", .timeLimit(.minutes(1)))
struct LongPollParkingTests {
    static func channel(_ t: TestHub) async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandler(LongPollParking(hub: t.hub, responder: HubAPI.router(t.hub).buildResponder()))
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 8090))
        return channel
    }

    static func request(_ path: String, method: HTTPRequest.Method = .get, credential: String) -> HTTPRequestPart {
        .head(HTTPRequest(method: method, scheme: "http", authority: "hub", path: path, headerFields: [.authorization: "Bearer \(credential)"]))
    }

    /// The next part of the answer, or a failure after 10 s.
    static func written(_ channel: NIOAsyncTestingChannel) async throws -> HTTPResponsePart {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let part = try await channel.readOutbound(as: HTTPResponsePart.self) { return part }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TimedOut()
    }

    struct TimedOut: Error {}

    static func waitUntilParked(_ t: TestHub, _ count: Int = 1) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while t.hub.notifier.waiting != count {
            guard ContinuousClock.now < deadline else { throw TimedOut() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("a waiting long-poll is answered from the pipeline: the head at once, the job when it comes, then the connection closes")
    func aWaitingPollIsHeldByThePipeline() async throws {
        let t = try TestHub()
        let (_, credential) = try await t.enroll()
        let channel = try await Self.channel(t)
        try await channel.writeInbound(Self.request("/v1/station/jobs?wait=30&max=5", credential: credential))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == nil, "the connection's task saw the long-poll")

        guard case .head(let head) = try await Self.written(channel) else {
            Issue.record("the answer did not begin with its head")
            return
        }
        #expect(head.status == .ok)
        #expect(head.headerFields[.contentLength] == nil, "the length of a waiting poll's answer is not known yet")
        #expect(head.headerFields[.connection] == "close")
        try await Self.waitUntilParked(t)

        // A close asked for while it waits (Hummingbird's idle time-out sees an idle
        // connection) waits for the answer.
        let closed = channel.eventLoop.makePromise(of: Void.self)
        channel.close(mode: .all, promise: closed)
        try await Task.sleep(for: .milliseconds(50))
        #expect(channel.isActive, "the waiting poll's connection was closed before its answer")

        try await t.importJobs(try t.jobs(1))
        guard case .body(let body) = try await Self.written(channel) else {
            Issue.record("no body after the job came")
            return
        }
        let answer = try WireCoding.decoder().decode(JobsAnswer.self, from: Data(body.readableBytesView))
        #expect(answer.jobs.map(\.id) == ["PRR-000001"])
        #expect(try await Self.written(channel) == .end(nil))
        try await closed.futureResult.get()
        #expect(!channel.isActive)
        #expect(try await t.hub.store.job(JobID("PRR-000001"))?.state == .offered)
    }

    @Test("a client gone while its poll waits takes nothing: the job taken in after it stays for the next poll")
    func aClientGoneTakesNothing() async throws {
        let t = try TestHub()
        let (station, credential) = try await t.enroll()
        let channel = try await Self.channel(t)
        try await channel.writeInbound(Self.request("/v1/station/jobs?wait=30", credential: credential))
        _ = try await Self.written(channel)
        try await Self.waitUntilParked(t)
        channel.pipeline.fireChannelInactive()
        try await Self.waitUntilParked(t, 0)
        try await t.importJobs(try t.jobs(1))
        #expect(try await t.hub.store.job(JobID("PRR-000001"))?.state == .approved)
        #expect(try await t.hub.poll(station: station, wait: 0, max: 5).map(\.id.rawValue) == ["PRR-000001"])
    }

    @Test(
        "other requests, and polls that do not wait, go on to the router as they came",
        arguments: [
            (HTTPRequest.Method.get, "/v1/station/jobs?wait=0"), (.get, "/v1/station/jobs"), (.get, "/v1/station/jobs?wait=lama"),
            (.post, "/v1/station/jobs?wait=30"), (.get, "/v1/station/jobs/x?wait=30"), (.get, "/health"),
        ])
    func othersPassOn(method: HTTPRequest.Method, path: String) async throws {
        let t = try TestHub()
        let channel = try await Self.channel(t)
        let request = Self.request(path, method: method, credential: "x")
        try await channel.writeInbound(request)
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == request)
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
        #expect(t.hub.notifier.waiting == 0)
    }

    @Test("a long-poll pipelined behind a request not yet answered goes on to the router, so answers keep their order")
    func pipelinedBehindAnUnansweredRequest() async throws {
        let t = try TestHub()
        let (_, credential) = try await t.enroll()
        let channel = try await Self.channel(t)
        let first = Self.request("/v1/station/reconcile", credential: credential)
        let poll = Self.request("/v1/station/jobs?wait=30", credential: credential)
        try await channel.writeInbound(first)
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        try await channel.writeInbound(poll)
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == first)
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == poll)
        // Once the first is answered, the next long-poll is the pipeline's again.
        try await channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try await channel.writeOutbound(HTTPResponsePart.end(nil))
        try await channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try await channel.writeOutbound(HTTPResponsePart.end(nil))
        while try await channel.readOutbound(as: HTTPResponsePart.self) != nil {}
        try await channel.writeInbound(poll)
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == nil)
        try await Self.waitUntilParked(t)
    }

    private struct JobsAnswer: Decodable {
        struct Job: Decodable { let id: String }
        let jobs: [Job]
    }
}
