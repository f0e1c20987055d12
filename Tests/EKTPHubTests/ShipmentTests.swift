import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import Testing

@testable import EKTPHub

/// Blangko around the kecamatan on each backend: the allocation proposal from the hub's own
/// figures (backlog, pemula, stock, what is on its way), shipments numbered and in transit
/// until the receiving station's event closes them, transfers opened by the sender's event
/// once, and a count for someone else's shipment refused.
@Suite("Shipments")
struct ShipmentTests {
    @Test("allocation, the receiver's count, transfers in transit, the numbers", arguments: Backend.all)
    func shipments(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let year = OfficeZone.wib.today(t.clock.clock()).year
            let sj = { (n: Int) in String(format: "SJ-3216-%d-%05d", year, n) }
            // Tarumajaya: 4 waiting, every second one a pemula; Babelan: 2 waiting.
            let a = try t.synthetic.jobs(
                count: 4, kecamatan: "32.16.01", prefix: "ALOK-A", urgentEvery: 0, today: OfficeZone.wib.today(t.clock.clock()), pemulaEvery: 2)
            _ = try await t.importJobs(a + (try t.jobs(2, kecamatan: "32.16.02", prefix: "ALOK-B")))
            let (stationA, _) = try await t.enroll("32.16.01")
            let (stationB, _) = try await t.enroll("32.16.02")

            // Need 4 (2 pemula) and 2; 10 cover both and 4 are left, shared evenly (no use
            // yet): 6 and 4. Kecamatan without a station are listed with none.
            let proposal = try await t.hub.allocationProposal(AllocationProposalRequest(kabupaten: "32.16", quantity: 10))
            let rows = Dictionary(uniqueKeysWithValues: proposal.kecamatan.map { ($0.kecamatanCode, $0) })
            #expect(
                rows["32.16.01"]?.backlog == 4 && rows["32.16.01"]?.pemula == 2 && rows["32.16.01"]?.proposed == 6, "\(String(describing: rows["32.16.01"]))")
            #expect(rows["32.16.02"]?.backlog == 2 && rows["32.16.02"]?.pemula == 0 && rows["32.16.02"]?.proposed == 4)
            #expect(proposal.kecamatan.count > 2 && proposal.kecamatan.filter { $0.proposed > 0 }.count == 2)

            // Refused, and nothing written: a split that does not add up, a kecamatan
            // without a station, a blank document, an unknown kabupaten.
            for bad in [
                AllocationRequest(kabupaten: "32.16", quantity: 10, document: "KEMEN-1", split: ["32.16.01": 6, "32.16.02": 3], by: "rina"),
                AllocationRequest(kabupaten: "32.16", quantity: 10, document: "KEMEN-1", split: ["32.16.01": 6, "32.16.05": 4], by: "rina"),
                AllocationRequest(kabupaten: "32.16", quantity: 10, document: " ", split: ["32.16.01": 6, "32.16.02": 4], by: "rina"),
                AllocationRequest(kabupaten: "32.99", quantity: 10, document: "KEMEN-1", split: ["32.16.01": 6, "32.16.02": 4], by: "rina"),
            ] {
                await #expect { try await t.hub.allocate(bad) } throws: { ($0 as? HubError)?.code == .invalid }
            }
            #expect(try await t.hub.shipments(kabupaten: "32.16").isEmpty)

            // The central office sends an edited split: 7 and 3.
            let sent = try await t.hub.allocate(
                AllocationRequest(kabupaten: "32.16", quantity: 10, document: "KEMEN-1", split: ["32.16.01": 7, "32.16.02": 3], by: "rina"))
            #expect(sent.allotment == String(format: "ALK-3216-%d-001", year))
            #expect(sent.shipments.map(\.id) == [sj(1), sj(2)] && sent.shipments.map(\.quantity) == [7, 3])
            #expect(sent.shipments.first?.toName == "Tarumajaya", "\(sent.shipments)")
            let beatA = try await t.hub.heartbeat(station: stationA, Heartbeat(devices: []))
            #expect(beatA.shipments?.map(\.id) == [sj(1)] && beatA.shipments?.first?.kind == .allocation)
            // Now on its way: the next proposal counts it as coming.
            let again = try await t.hub.allocationProposal(AllocationProposalRequest(kabupaten: "32.16", quantity: 1))
            #expect(again.kecamatan.first { $0.kecamatanCode == "32.16.01" }?.inTransit == 7)

            // Babelan claims Tarumajaya's shipment: an alert, the shipment stays in transit.
            let wrong = SequencedEvent(seq: 1, event: .shipmentReceived(shipment: sj(1), sent: 7, received: 7, reason: nil, by: "sari"))
            _ = try await t.hub.ingest(station: stationB, batch: EventBatch(events: [wrong]))
            #expect(try await t.hub.store.stationAlerts(limit: 10).contains { $0.message.contains(sj(1)) })
            #expect(try await t.hub.heartbeat(station: stationA, Heartbeat(devices: [])).shipments?.map(\.id) == [sj(1)])

            // Tarumajaya counts 7: closed. It then sends Babelan 2 (the event twice).
            let received = SequencedEvent(seq: 1, event: .shipmentReceived(shipment: sj(1), sent: 7, received: 7, reason: nil, by: "sari"))
            let transfer = SequencedEvent(seq: 2, event: .transferSent(to: "32.16.02", quantity: 2, document: "ST-7", by: "kepala"))
            _ = try await t.hub.ingest(station: stationA, batch: EventBatch(events: [received, transfer]))
            _ = try await t.hub.ingest(station: stationA, batch: EventBatch(events: [transfer]))
            #expect(try await t.hub.heartbeat(station: stationA, Heartbeat(devices: [])).shipments == [])
            let toB = try #require(try await t.hub.heartbeat(station: stationB, Heartbeat(devices: [])).shipments)
            #expect(toB.map(\.id) == [sj(2), sj(3)], "\(toB)")
            #expect(toB.last?.kind == .transfer && toB.last?.fromKecamatan == "32.16.01" && toB.last?.document == "ST-7" && toB.last?.quantity == 2)

            // Babelan counts 2 of its 3 (the kepala's reason) and the 2 transferred.
            _ = try await t.hub.ingest(
                station: stationB,
                batch: EventBatch(events: [
                    SequencedEvent(seq: 2, event: .shipmentReceived(shipment: sj(2), sent: 3, received: 2, reason: "1 lembar basah", by: "kepala")),
                    SequencedEvent(seq: 3, event: .shipmentReceived(shipment: sj(3), sent: 2, received: 2, reason: nil, by: "budi")),
                ]))
            let all = Dictionary(uniqueKeysWithValues: try await t.hub.shipments(kabupaten: "32.16").map { ($0.id, $0) })
            #expect(all.count == 3)
            #expect(all[sj(1)]?.status == .received && all[sj(1)]?.receivedBy == "sari")
            #expect(all[sj(2)]?.status == .difference && all[sj(2)]?.receivedQuantity == 2 && all[sj(2)]?.reason == "1 lembar basah")
            #expect(all[sj(3)]?.status == .received && all[sj(3)]?.sentBy == "kepala" && all[sj(3)]?.kind == .transfer)
            #expect(try await t.hub.shipments(kabupaten: "35.78").isEmpty, "another kabupaten sees none")
            #expect(try await t.hub.heartbeat(station: stationB, Heartbeat(devices: [])).shipments == [])

            // The next allotment continues the numbers.
            let next = try await t.hub.allocate(
                AllocationRequest(kabupaten: "32.16", quantity: 5, document: "KEMEN-2", split: ["32.16.02": 5], by: "rina"))
            #expect(next.allotment == String(format: "ALK-3216-%d-002", year) && next.shipments.map(\.id) == [sj(4)])
            let trail = try await t.hub.store.audit(job: nil, limit: 10)
            #expect(trail.filter { $0.action == "blangko dialokasikan" && $0.actor == "rina" }.count == 2)
        }
    }
}
