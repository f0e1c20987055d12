import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Holds a connection's long-poll (`GET /v1/station/jobs` with `wait` above 0) in the
/// channel's pipeline instead of in a task.
///
/// Hummingbird serves each connection in a task, and the Swift runtime keeps a task's
/// frames at the deepest they have ever been: a long-poll served there holds the router's,
/// the middleware's and the store's frames for its whole wait (39.6 KiB a connection against
/// 11.3 KiB for one that has sent nothing; docs/hub.md, "What a connected station costs").
/// A country's stations each hold one at every moment. This handler sits between the HTTP
/// codec and Hummingbird's handlers: it takes such a request before the connection's task
/// sees it, and runs the same router for it (`responder`: authentication, parameters,
/// errors, metrics) in a short task of its own. A route that would wait
/// (`HubAPI.longPollReply`) leaves the wait in the request's `LongPollSlot`; the answer's
/// head goes at once, the wait is parked in the notifier (`Hub.park`) with no task, and
/// the body is written when it ends. The connection's task, which never saw the request,
/// stays as small as it was.
///
/// Every answer to such a request closes the connection, as a long-poll's always has; a
/// close asked for while the poll waits (the idle time-out) waits for it. A graceful
/// shutdown ends the wait at once: the poll answers, then the connection closes. The
/// client leaving ends it as gone, handing back anything leased for it.
final class LongPollParking: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Requests pass to Hummingbird.
        case passing
        /// A long-poll taken: its router task runs or its wait is parked.
        case taken(PollInterrupt)
        /// Its answer written (or given up): the connection is closing.
        case done
    }

    private let hub: Hub
    private let responder: RouterResponder<HubRequestContext>
    private var state = State.passing
    /// Requests passed on to Hummingbird and not yet answered.
    private var unanswered = 0
    /// Closes asked for while the poll was taken, completed when the connection closes.
    private var heldCloses: [EventLoopPromise<Void>] = []

    init(hub: Hub, responder: RouterResponder<HubRequestContext>) {
        self.hub = hub
        self.responder = responder
    }

    /// A request to take: a GET of the station's jobs asking to wait. Anything else, and a
    /// `wait` that is not a whole number, is the router's to answer.
    static func isLongPoll(_ request: Request) -> Bool {
        guard request.method == .get, request.uri.path == "/v1/station/jobs",
            let wait = request.uri.queryParameters.get("wait").flatMap({ Int($0) })
        else { return false }
        return wait > 0
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .passing:
            guard case .head(let head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
            let request = Request(head: head, body: .init(buffer: ByteBuffer()))
            // A request pipelined behind one Hummingbird still answers goes on to it too:
            // answers leave a connection in the order their requests came.
            guard unanswered == 0, Self.isLongPoll(request) else {
                unanswered += 1
                return context.fireChannelRead(data)
            }
            let interrupt = PollInterrupt()
            state = .taken(interrupt)
            take(head, interrupt: interrupt, context: context)
        case .taken, .done:
            // The taken request's end (a GET has no body), or requests pipelined after it:
            // the connection closes after its answer.
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .taken(let interrupt) = state { interrupt.clientGone() }
        context.fireChannelInactive()
    }

    /// A graceful shutdown asks every connection to quiesce: a waiting poll answers now.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, case .taken(let interrupt) = state { interrupt.answerNow() }
        context.fireUserInboundEventTriggered(event)
    }

    /// Counts Hummingbird's answers as they pass toward the socket.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { unanswered -= 1 }
        context.write(data, promise: promise)
    }

    /// Hummingbird's handlers never saw the request, so to them the connection is idle: a
    /// close they ask for (the idle time-out, a quiesce) waits for the answer.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, case .taken = state else { return context.close(mode: mode, promise: promise) }
        if let promise { heldCloses.append(promise) }
    }

    /// Runs the router for the request in a task of its own, then writes the answer, or
    /// parks the wait the route left and writes the answer when it ends.
    private func take(_ head: HTTPRequest, interrupt: PollInterrupt, context: ChannelHandlerContext) {
        let hub = hub
        let responder = responder
        let channel = context.channel
        let out = AnswerWriter(context: NIOLoopBound(context, eventLoop: context.eventLoop), handler: NIOLoopBound(self, eventLoop: context.eventLoop))
        Task { [head, channel, interrupt, hub, responder, out] in
            await LongPollParking.answer(head, on: channel, interrupt: interrupt, hub: hub, responder: responder, out: out)
        }
    }

    private static func answer(
        _ head: HTTPRequest, on channel: any Channel, interrupt: PollInterrupt, hub: Hub, responder: RouterResponder<HubRequestContext>,
        out: AnswerWriter
    ) async {
        let slot = LongPollSlot()
        var context = HubRequestContext(source: .init(channel: channel, logger: hub.logger))
        context.parking = slot
        var response: Response
        do {
            response = try await responder.respond(to: Request(head: head, body: .init(buffer: ByteBuffer())), context: context)
        } catch {
            // The router answers its errors itself (`APIErrorMiddleware`); anything else as
            // Hummingbird's server answers it.
            response = Response(status: .internalServerError)
        }
        response.headers[.server] = "ektp-hub"
        response.headers[.date] = httpDate()
        guard let wait = slot.wait else {
            if let length = response.body.contentLength { response.headers[.contentLength] = "\(length)" }
            out.head(response.head)
            try? await response.body.write(out)
            return out.close()
        }
        // The body's length is not known yet (the router's empty body said 0).
        response.headers[.contentLength] = nil
        out.head(response.head)
        hub.park(station: wait.station, after: wait.first, until: wait.deadline, max: wait.max, interrupt: interrupt) { result in
            guard case .success(let jobs) = result, !interrupt.isClientGone else { return out.close() }
            Task {
                var writer: any ResponseBodyWriter = out
                try? await HubAPI.write(jobs, HubAPI.jobsDocument(jobs), to: &writer, hub: hub, station: wait.station)
                out.close()
            }
        }
    }

    /// The answer given: the connection closes, and so does any close held meanwhile.
    fileprivate func answered(context: ChannelHandlerContext) {
        guard case .taken = state else { return }
        state = .done
        let closed = context.close()
        for promise in heldCloses { closed.cascade(to: promise) }
        heldCloses = []
    }

    /// `Date`'s form (RFC 9110, IMF-fixdate), as Hummingbird's server sends it.
    static func httpDate(_ now: time_t = time(nil)) -> String {
        var now = now
        var parts = tm()
        gmtime_r(&now, &parts)
        var text = [CChar](repeating: 0, count: 40)
        let count = strftime(&text, text.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: text[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Where a route leaves a long-poll's wait for `LongPollParking` to hold (set in the
/// request's context by the handler; nil when the router runs without it).
final class LongPollSlot: Sendable {
    struct Wait: Sendable {
        let station: StationRecord
        let first: Hub.PollLook
        let deadline: ContinuousClock.Instant
        let max: Int
    }

    private let held = Mutex<Wait?>(nil)

    func hold(_ wait: Wait) { held.withLock { $0 = wait } }
    var wait: Wait? { held.withLock { $0 } }
}

/// Writes an answer through the handler's place in the pipeline (toward the socket, past
/// Hummingbird's handlers, which never saw the request), from any task.
private struct AnswerWriter: ResponseBodyWriter, Sendable {
    let context: NIOLoopBound<ChannelHandlerContext>
    let handler: NIOLoopBound<LongPollParking>

    func head(_ head: HTTPResponse) {
        context.eventLoop.execute { context.value.writeAndFlush(NIOAny(HTTPResponsePart.head(head)), promise: nil) }
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await send(.body(buffer))
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await send(.end(trailingHeaders))
    }

    /// Closes the connection once the answer is written or given up.
    func close() {
        context.eventLoop.execute { handler.value.answered(context: context.value) }
    }

    private func send(_ part: HTTPResponsePart) async throws {
        let context = context
        try await context.eventLoop.flatSubmit { context.value.writeAndFlush(NIOAny(part)) }.get()
    }
}
