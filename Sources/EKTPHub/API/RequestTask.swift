import Hummingbird

/// Runs each request Hummingbird hands the hub in a short task of its own, so that the
/// connection's task never holds the router's frames.
///
/// Hummingbird serves a connection in one task, and the Swift runtime keeps a task's frames
/// at the deepest they have ever been: a connection that once carried a heartbeat (router,
/// authenticator, JSON, store) kept those frames for the rest of its life. Clients reuse
/// their connections: a station's next long-poll often goes out on the connection its
/// heartbeat left idle, and `LongPollParking` keeps the poll out of the connection's task
/// but cannot shrink what that task already holds. In the country run (7,285 stations on
/// one hub) the deep connections were 45 MiB of the hub's 212 (docs/hub.md, "What a
/// connected station costs the hub in memory"). Here the router runs in a task that ends
/// with the request; the connection's task waits for it one frame deep.
///
/// The request's cancellation (Hummingbird cancels a request whose connection it closes)
/// passes on to the task; task-local values (the graceful shutdown's, the logger's) are
/// inherited as an unstructured task inherits them. The answer's body, when it is a
/// closure, still runs in the connection's task, as Hummingbird writes it.
struct RequestTask<Inner: HTTPResponder>: HTTPResponder where Inner.Context: Sendable {
    typealias Context = Inner.Context
    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        let task = Task.immediate { [inner] in try await inner.respond(to: request, context: context) }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
