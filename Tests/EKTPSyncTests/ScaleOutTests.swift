import EKTPClient
import EKTPDomain
import EKTPHub
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// Scale-out on the real engine (docs/hub.md, "Several hub processes"): three `ektp-hub
/// serve` processes on one PostgreSQL database behind a real load balancer (Debian's
/// HAProxy); four real `ektpd` stations, two per kecamatan, reach the hub only through it,
/// as the central office does. Jobs are taken in through the balancer while one hub is
/// killed (SIGKILL) halfway: every job ends held by exactly one station, the one the hub
/// names, of the job's kecamatan; none is lost, none is held twice, and the stations the
/// dead hub served carry on through the others.
@Suite(.serialized, .daemons) struct ScaleOutTests {
    static let kecamatan = ["32.16.04", "32.16.05"]
    static let jobsPerKecamatan = 150
    static let perFile = 20

    @Test(.timeLimit(.minutes(5)), .enabled(if: TestPostgres.server != nil && LoadBalancer.available))
    func threeHubsBehindABalancerLoseNothingWhenOneDies() async throws {
        let scratch = try Scratch("scale-out")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let database = try await TestPostgres.createDatabase()
        let first = try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: 5, postgres: database)
        var hubs = [first]
        for _ in 0..<2 {
            hubs.append(try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: 5, postgres: database, adminToken: first.adminToken))
        }
        defer { for hub in hubs { hub.child.stop() } }
        // One at a time: the first migrates the schema, the others find it.
        for hub in hubs { try await hub.start() }
        let balancer = try LoadBalancer(directory: scratch.url.path, backends: hubs.map(\.port))
        try await balancer.start()
        defer { balancer.stop() }
        let office = HubAdminClient(base: balancer.url, adminToken: first.adminToken, httpClient: first.http)

        var stations: [(station: StationUnderTest, id: String, kecamatan: String)] = []
        defer { for s in stations { s.station.child.stop() } }
        for (k, code) in Self.kecamatan.enumerated() {
            for n in 1...2 {
                let station = try StationUnderTest(
                    scratch: scratch, name: "s\(k)\(n)", kecamatan: code, trusted: approval, printers: ["evolis-primacy-2?serial=SKALA-\(k)\(n)"])
                try await station.start(people: false)
                stations.append((station, "", code))
                let token = try await office.enrollmentToken(kecamatan: code)
                let id = try await station.withClient { try await $0.enroll(EnrollStationRequest(hubURL: balancer.url, token: token)) }.stationId
                stations[stations.count - 1].id = id
            }
        }

        // The jobs, in files that alternate between the two kecamatan, each file taken in
        // through the balancer (so by each hub in turn); the second hub killed halfway. A
        // request the dead hub never answered is sent again, as the central office would:
        // intake stores a job once, however often it comes.
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let perKecamatan = try Self.kecamatan.map { try factory.jobs(count: Self.jobsPerKecamatan, kecamatan: $0, prefix: "SKALA\($0.suffix(2))") }
        var files: [[PrintJob]] = []
        for from in stride(from: 0, to: Self.jobsPerKecamatan, by: Self.perFile) {
            for list in perKecamatan { files.append(Array(list[from..<min(from + Self.perFile, list.count)])) }
        }
        let jobs = perKecamatan.flatMap { $0 }
        var resent = 0
        for (n, file) in files.enumerated() {
            if n == files.count / 2 {
                // Killed while it holds a station's long-poll: that station must carry on
                // through the other two.
                try await eventually("hub kedua melayani long-poll stasiun", seconds: 30) { try await PlainStation.waitingPolls(hubs[1]) >= 1 }
                hubs[1].child.kill9()
            }
            let body = try factory.signedFile(file)
            try await eventually("berkas \(n + 1) diterima lewat penyeimbang", seconds: 30) {
                do {
                    _ = try await office.intake(body)
                    return true
                } catch {
                    resent += 1
                    return false
                }
            }
        }
        #expect(!hubs[1].child.isRunning)

        // Every job reaches exactly one station of its kecamatan.
        var holders: [JobID: [String]] = [:]
        try await eventually("semua \(jobs.count) job sampai di stasiun", seconds: 120) {
            holders = [:]
            for s in stations {
                for job in try await s.station.withClient({ try await $0.jobs(limit: 10_000) }) { holders[job.id, default: []].append(s.id) }
            }
            return holders.count == jobs.count
        }
        let kecamatanOf = Dictionary(uniqueKeysWithValues: stations.map { ($0.id, $0.kecamatan) })
        for job in jobs {
            let held = holders[job.id] ?? []
            #expect(held.count == 1, "\(job.id) di stasiun \(held)")
            #expect(held.allSatisfy { kecamatanOf[$0] == job.kecamatanCode }, "\(job.id) di stasiun kecamatan lain: \(held)")
        }
        // The hub agrees: each job claimed, by the station that holds it.
        try await eventually("hub mencatat setiap job diakui stasiun yang memegangnya", seconds: 60) {
            for job in jobs {
                let view = try await office.get(JobView.self, "/v1/views/jobs/\(job.id.rawValue)")
                guard view.state == .claimed, view.stationId == holders[job.id]?.first else { return false }
            }
            return true
        }
        // No answer was taken for failed by the hubs that lived: the balancer closes each
        // long-poll's connection as soon as its answer is complete, and a hub that counted
        // that as a lost answer put jobs back the station had (`HubAPI.pollReply`).
        for hub in [hubs[0], hubs[2]] {
            let log = hub.child.tail(4_000_000)
            #expect(!log.contains("tidak sampai"), "hub \(hub.port):\n\(log.suffix(2000))")
        }
        // Each station took part: the two of a kecamatan shared its queue, also after the
        // hub died.
        let counts = Dictionary(grouping: holders.values.compactMap(\.first), by: { $0 }).mapValues(\.count)
        for s in stations { #expect((counts[s.id] ?? 0) > 0, "stasiun \(s.id) tidak mendapat job: \(counts)") }
        print("skala: \(jobs.count) job lewat 3 hub (1 dimatikan di tengah), \(resent) kiriman diulang; per stasiun \(counts.sorted { $0.key < $1.key })")
    }

    /// Two approval systems' files at once, each to its own hub process on the same
    /// database: the same people (one NIK, two job ids) in both, and one job in both.
    /// Each person keeps one live card (the other job held), the shared job is stored once
    /// and named a duplicate in the other answer, and no request fails. Then three times as
    /// many files as a process has connections, all at once to one process: every job is
    /// stored, and no connection is seen waiting on intake's lock.
    @Test(.timeLimit(.minutes(3)), .enabled(if: TestPostgres.server != nil))
    func filesTakenInAtOnceByTwoHubsKeepOneLiveCardPerNIK() async throws {
        let scratch = try Scratch("intake-at-once")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let database = try await TestPostgres.createDatabase()
        let first = try HubUnderTest(scratch: scratch, trusted: [approval], postgres: database)
        let second = try HubUnderTest(scratch: scratch, trusted: [approval], postgres: database, adminToken: first.adminToken)
        defer { for hub in [first, second] { hub.child.stop() } }
        for hub in [first, second] { try await hub.start() }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)

        let rounds = 12
        var people: [(JobID, JobID)] = []
        var shared: [JobID] = []
        var niks: Set<String> = []
        for round in 0..<rounds {
            let jobs = try factory.jobs(count: 16, kecamatan: "32.16.04", prefix: "SERENTAK\(round)", seed: UInt64(round + 1))
            for job in jobs { try #require(niks.insert(job.card.nik.digits).inserted, "NIK \(job.card.nik.masked) dua kali dalam data uji") }
            let both = jobs[0]
            var again: [PrintJob] = []
            for job in jobs.dropFirst() {
                var copy = job
                copy.id = try JobID(job.id.rawValue + "-B")
                again.append(copy)
                people.append((job.id, copy.id))
            }
            shared.append(both.id)
            let (a, b) = (try factory.signedFile(Array(jobs)), try factory.signedFile([both] + again))
            async let fromFirst = first.admin.intake(a)
            async let fromSecond = second.admin.intake(b)
            let answers = try await [fromFirst, fromSecond]
            #expect(answers.flatMap(\.stored).filter { $0 == both.id }.count == 1, "job \(both.id) disimpan: \(answers)")
            #expect(answers.flatMap(\.duplicates) == [both.id], "\(answers.map(\.duplicates))")
        }
        // Each person: exactly one of the two jobs live, the other held for it.
        var wrong: [String] = []
        for (one, other) in people {
            let (a, b) = (try await first.job(one), try await second.job(other))
            if (a.heldFor == nil) == (b.heldFor == nil) || (a.heldFor ?? other) != other || (b.heldFor ?? one) != one {
                wrong.append("\(one) ditahan untuk \(a.heldFor?.rawValue ?? "-"), \(other) untuk \(b.heldFor?.rawValue ?? "-")")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) dari \(people.count) orang: \(wrong.prefix(4))")
        for id in shared { #expect(try await first.job(id).state == .approved) }

        // Many files at once to one process: they wait their turn in the process, not on
        // the lock with a connection of the pool each (the pool is the stations' too).
        let burst = try (0..<3 * TestPostgres.Database.hubConnections).map { n in
            try factory.signedFile(try factory.jobs(count: 60, kecamatan: "32.16.05", prefix: "RAMAI\(n)", seed: UInt64(100 + n)))
        }
        // One child sends the burst; the other samples the lock's waiters until it is sent.
        enum Outcome: Sendable {
            case sent(stored: Int)
            case sampled(mostWaiting: Int, samples: Int)
        }
        var (stored, mostWaiting, samples) = (0, 0, 0)
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                try await withThrowingTaskGroup(of: Int.self) { sends in
                    for file in burst { sends.addTask { try await first.admin.intake(file).stored.count } }
                    return .sent(stored: try await sends.reduce(0, +))
                }
            }
            group.addTask {
                var (most, samples) = (0, 0)
                while !Task.isCancelled {
                    most = max(most, try await database.advisoryLockWaiters())
                    samples += 1
                }
                return .sampled(mostWaiting: most, samples: samples)
            }
            for try await outcome in group {
                switch outcome {
                case .sent(let n):
                    stored = n
                    group.cancelAll()
                case .sampled(let most, let n): (mostWaiting, samples) = (most, n)
                }
            }
        }
        #expect(stored == burst.count * 60)
        #expect(samples > 0)
        #expect(mostWaiting == 0, "\(mostWaiting) koneksi menunggu kunci intake (\(samples) sampel)")
    }
}
