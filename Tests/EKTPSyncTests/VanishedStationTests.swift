import AsyncHTTPClient
import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A station that vanishes must not take jobs with it (docs/sync.md, "When a station
/// vanishes"). Real `ektp-hub serve` processes: one on SQLite, three on one PostgreSQL
/// database; stations are played by plain HTTP clients with enrolled credentials, so a
/// poll can be dropped the way a restarted station or a proxy drops it.
@Suite(.serialized, .daemons) struct VanishedStationTests {
    static let kecamatan = "32.16.03"
    static let lease = 8

    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
        static var available: [Engine] { TestPostgres.server == nil ? [.sqlite] : [.sqlite, .postgres] }
    }

    @Test(.timeLimit(.minutes(3)), arguments: Engine.available)
    func droppedPollsAndExpiredLeasesDoNotStrandJobs(engine: Engine) async throws {
        let scratch = try Scratch("vanished-\(engine.rawValue)")
        let approval = ApprovalSigner.generate(keyId: "approval")
        var hubs: [HubUnderTest] = []
        switch engine {
        case .sqlite:
            hubs = [try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: Self.lease)]
        case .postgres:
            let database = try await TestPostgres.createDatabase()
            let first = try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: Self.lease, postgres: database)
            hubs = [first]
            for _ in 0..<2 {
                hubs.append(try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: Self.lease, postgres: database, adminToken: first.adminToken))
            }
        }
        defer { for hub in hubs { hub.child.stop() } }
        // One at a time: the first migrates the schema, the others find it.
        for hub in hubs { try await hub.start() }
        let a = hubs[0]
        let b = hubs[hubs.count - 1]
        let s1 = try await PlainStation.enroll(on: a, kecamatan: Self.kecamatan, name: "PC cetak 1")
        let s2 = try await PlainStation.enroll(on: a, kecamatan: Self.kecamatan, name: "PC cetak 2")
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let jobs = try factory.jobs(count: 3, kecamatan: Self.kecamatan, prefix: "HILANG-\(engine.rawValue)")

        // 1. A station drops its long-poll (a restart) and polls again: the job taken in
        //    meanwhile comes at once, not after the lease given to the dropped poll.
        try await s1.dropLongPoll(on: a)
        _ = try await a.admin.intake(try factory.signedFile([jobs[0]]))
        // A job that waited for the lease comes after `lease` seconds at the earliest; anything
        // sooner came without it (a loaded machine may take seconds to answer at all).
        var (got, took) = try await s1.poll(on: b, wait: 5)
        #expect(got == [jobs[0].id], "\(a.child.tail())")
        #expect(took < .seconds(Self.lease - 1), "the job waited \(took) for a station that had gone (lease \(Self.lease) s)")
        try await s1.ack(got, on: b)

        // 2. A poll dropped on hub A takes nothing: a station polling hub B gets the job.
        try await s1.dropLongPoll(on: a)
        _ = try await a.admin.intake(try factory.signedFile([jobs[1]]))
        (got, took) = try await s2.poll(on: b, wait: 5)
        #expect(got == [jobs[1].id], "\(a.child.tail())")
        #expect(took < .seconds(Self.lease - 1), "the job waited \(took) for a poll whose client had gone (lease \(Self.lease) s)")
        try await s2.ack(got, on: b)

        // 3. A lease that runs out reaches a station already waiting, without a new poll.
        //    The lease is counted from before s1's poll: on a loaded machine its answer
        //    can take seconds to come back, and the lease runs meanwhile.
        _ = try await a.admin.intake(try factory.signedFile([jobs[2]]))
        let offered = ContinuousClock.now
        (got, _) = try await s1.poll(on: a, wait: 0)
        #expect(got == [jobs[2].id])  // taken, never acknowledged: s1 "vanished" with it
        (got, took) = try await s2.poll(on: b, wait: 25)
        let sinceOffer = ContinuousClock.now - offered
        #expect(got == [jobs[2].id], "the waiting poll ended after \(took) without the job")
        #expect(sinceOffer >= .seconds(Self.lease - 1) && took < .seconds(Self.lease + 6), "since the offer \(sinceOffer), waited \(took)")
        try await s2.ack(got, on: b)

        // Each job claimed once, by the station that acknowledged it.
        for (job, holder) in zip(jobs, [s1, s2, s2]) {
            let view = try await b.job(job.id)
            #expect(view.state == .claimed && view.stationId == holder.id, "\(job.id): \(view.state) at \(view.stationId ?? "-")")
        }
    }
}

/// A station as the hub sees it, played by an HTTP client with its enrolled credential.
struct PlainStation: Sendable {
    let id: String
    let credential: String
    let http: HTTPClient

    static func enroll(on hub: HubUnderTest, kecamatan: String, name: String) async throws -> PlainStation {
        let token = try await hub.admin.enrollmentToken(kecamatan: kecamatan)
        var request = HTTPClientRequest(url: hub.url + "/v1/stations/enroll")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try WireCoding.encoder().encode(EnrollRequest(token: token, name: name))))
        let response = try await hub.http.execute(request, timeout: .seconds(30))
        let body = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        guard response.status.code == 201 else { throw HarnessError("pendaftaran ditolak \(response.status.code): \(String(decoding: body, as: UTF8.self))") }
        let enrolled = try WireCoding.decoder().decode(EnrollResult.self, from: body)
        return PlainStation(id: enrolled.stationId, credential: enrolled.credential, http: hub.http)
    }

    /// `GET /v1/station/jobs?wait=`: the answer's status and body, and how long it took.
    func jobsAnswer(on hub: HubUnderTest, wait: Int) async throws -> (status: UInt, body: Data, took: Duration) {
        var request = HTTPClientRequest(url: hub.url + "/v1/station/jobs?wait=\(wait)")
        request.headers.add(name: "Authorization", value: "Bearer \(credential)")
        let start = ContinuousClock.now
        let response = try await http.execute(request, timeout: .seconds(Int64(wait + 30)))
        let body = Data((try await response.body.collect(upTo: 64 << 20)).readableBytesView)
        return (response.status.code, body, ContinuousClock.now - start)
    }

    /// `GET /v1/station/jobs`: the ids handed out and how long the answer took.
    func poll(on hub: HubUnderTest, wait: Int) async throws -> ([JobID], Duration) {
        let (status, body, took) = try await jobsAnswer(on: hub, wait: wait)
        guard status == 200 else { throw HarnessError("poll \(status): \(String(decoding: body.prefix(300), as: UTF8.self))") }
        struct Answer: Decodable {
            struct Job: Decodable { let id: String }
            let jobs: [Job]
        }
        return (try WireCoding.decoder().decode(Answer.self, from: body).jobs.map { try JobID($0.id) }, took)
    }

    func ack(_ jobs: [JobID], on hub: HubUnderTest) async throws {
        var request = HTTPClientRequest(url: hub.url + "/v1/station/ack")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(credential)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try WireCoding.encoder().encode(AckRequest(jobs: jobs))))
        let response = try await http.execute(request, timeout: .seconds(30))
        guard response.status.code == 200 else { throw HarnessError("ack \(response.status.code)") }
    }

    /// Opens a long-poll on its own TCP connection, waits until the hub is waiting in it
    /// (its `polls_waiting` gauge), then closes the connection without reading an answer: a
    /// station restarted mid-poll.
    func dropLongPoll(on hub: HubUnderTest) async throws {
        guard let fd = LoopbackPort.connect(hub.port) else { throw HarnessError("tidak bisa menyambung ke hub \(hub.port)") }
        var open = true
        defer { if open { close(fd) } }
        let request = Array("GET /v1/station/jobs?wait=30 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(credential)\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { throw HarnessError("permintaan tidak terkirim") }
        try await eventually("hub menunggu dalam long-poll", seconds: 20) { try await Self.waitingPolls(hub) >= 1 }
        close(fd)
        open = false
        // The hub ends a long-poll whose client went: its gauge drops back.
        try await eventually("hub mengakhiri long-poll yang ditinggalkan", seconds: 20) { try await Self.waitingPolls(hub) == 0 }
    }

    /// The hub's gauge of long-polls waiting right now.
    static func waitingPolls(_ hub: HubUnderTest) async throws -> Int {
        let text = String(decoding: try await hub.admin.call(.GET, "/metrics"), as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("ektp_hub_polls_waiting") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }.map { Int($0) } ?? 0
    }
}
