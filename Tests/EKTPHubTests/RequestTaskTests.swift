import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing

@testable import EKTPHub

/// `RequestTask`: the router runs in a task of its own, not in the caller's (Hummingbird's
/// task for the connection), and is otherwise the same call: the answer, the error, the
/// caller's cancellation and task-local values pass through (docs/hub.md, "What a
/// connected station costs the hub in memory").
@Suite("Each request in a task of its own", .timeLimit(.minutes(1)))
struct RequestTaskTests {
    struct Context: Sendable {}
    struct Refused: Error {}
    @TaskLocal static var marker: String?

    static let request = Request(
        head: HTTPRequest(method: .post, scheme: "http", authority: "hub", path: "/v1/station/heartbeat"), body: .init(buffer: ByteBuffer()))

    static func taskID() -> Int? { withUnsafeCurrentTask { $0?.hashValue } }

    @Test("the router runs in another task, and its answer comes back")
    func anotherTask() async throws {
        let seen = Seen()
        let responder = RequestTask(
            inner: CallbackResponder<Context> { _, _ in
                seen.set(RequestTaskTests.taskID(), RequestTaskTests.marker)
                return Response(status: .accepted)
            })
        let response = try await Self.$marker.withValue("connection") { try await responder.respond(to: Self.request, context: Context()) }
        #expect(response.status == .accepted)
        let (inner, marker) = seen.get()
        #expect(inner != nil && inner != Self.taskID())
        #expect(marker == "connection")
    }

    @Test("the router's error is the caller's")
    func error() async {
        let responder = RequestTask(inner: CallbackResponder<Context> { _, _ in throw Refused() })
        await #expect(throws: Refused.self) { try await responder.respond(to: Self.request, context: Context()) }
    }

    @Test("cancelling the caller cancels the router's task")
    func cancellation() async throws {
        let started = AsyncStream<Void>.makeStream()
        let responder = RequestTask(
            inner: CallbackResponder<Context> { _, _ in
                started.continuation.yield()
                try await Task.sleep(for: .seconds(50))
                return Response(status: .ok)
            })
        let caller = Task { try await responder.respond(to: Self.request, context: Context()) }
        var events = started.stream.makeAsyncIterator()
        await events.next()
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
    }

    final class Seen: Sendable {
        private let value = Mutex<(Int?, String?)>((nil, nil))
        func set(_ id: Int?, _ marker: String?) { value.withLock { $0 = (id, marker) } }
        func get() -> (Int?, String?) { value.withLock { $0 } }
    }
}
