import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation

// MARK: Blangko allocation and shipments (docs/hub.md, "Alokasi dan pengiriman blangko")

extension Hub {
    /// How `quantity` blangko would be split between the kabupaten's kecamatan by
    /// `BlangkoAllocation`, with the figures the rule used. Kecamatan without a live
    /// station are listed with none: nobody there can confirm a shipment.
    public func allocationProposal(_ request: AllocationProposalRequest) async throws -> AllocationProposal {
        let kabupaten = try checkedKabupaten(request.kabupaten)
        guard request.quantity > 0, request.quantity <= 10_000_000 else { throw HubError(.invalid, "jumlah kiriman harus antara 1 dan 10.000.000") }
        let figures = try await allocationFigures(kabupaten)
        let eligible = figures.filter { $0.stations > 0 }.map(\.kecamatan)
        let proposed = BlangkoAllocation.propose(request.quantity, among: eligible)
        return AllocationProposal(
            kabupaten: kabupaten, quantity: request.quantity,
            kecamatan: figures.map { f in
                AllocationRow(
                    kecamatanCode: f.kecamatan.code, name: regions.kecamatan(f.kecamatan.code)?.name, backlog: f.kecamatan.backlog,
                    pemula: f.kecamatan.pemula, onHand: f.kecamatan.onHand, inTransit: f.kecamatan.inTransit,
                    consumptionPerDay: f.kecamatan.usePerDay, daysLeft: f.kecamatan.daysLeft, proposed: proposed[f.kecamatan.code] ?? 0)
            })
    }

    /// Records the ministry's shipment and sends each kecamatan its share, as decided.
    public func allocate(_ request: AllocationRequest) async throws -> AllocationResult {
        let kabupaten = try checkedKabupaten(request.kabupaten)
        let document = request.document.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(document.count), !document.contains(where: \.isNewline) else {
            throw HubError(.invalid, "nomor dokumen kiriman kementerian wajib diisi (satu baris, paling panjang 100 karakter)")
        }
        let person: String
        do { person = try PersonName.check(request.by, field: "by") } catch { throw HubError(.invalid, "\(error)") }
        let eligible = Set(try await allocationFigures(kabupaten).filter { $0.stations > 0 }.map(\.kecamatan.code))
        if let problem = BlangkoAllocation.problem(total: request.quantity, split: request.split, eligible: eligible) {
            throw HubError(.invalid, problem)
        }
        let result = try await store.allocate(
            kabupaten: kabupaten, quantity: request.quantity, document: document, split: request.split, by: person, now: clock())
        logger.notice("\(result.allotment): \(request.quantity) blangko dialokasikan oleh \(person) dalam \(result.shipments.count) surat jalan")
        return AllocationResult(allotment: result.allotment, shipments: result.shipments.map(named))
    }

    /// Shipments to and from the kabupaten's kecamatan (every kabupaten for nil), newest first.
    public func shipments(kabupaten: String?, limit: Int = 500) async throws -> [ShipmentView] {
        let prefix = try kabupaten.map(checkedKabupaten) ?? ""
        return try await store.shipments(under: prefix, limit: limit).map(named)
    }

    /// PT Pos's results (`PosResults`), all or nothing.
    public func recordPosResults(_ request: PosResultsRequest) async throws -> PosResultsAnswer {
        let person: String
        do { person = try PersonName.check(request.by, field: "by") } catch { throw HubError(.invalid, "\(error)") }
        guard !request.results.isEmpty, request.results.count <= PosResultsCSV.maxRows else {
            throw HubError(.invalid, "hasil PT Pos: 1 sampai \(PosResultsCSV.maxRows) kartu per kiriman")
        }
        if let long = request.results.first(where: { ($0.note?.count ?? 0) > 300 }) {
            throw HubError(.invalid, "keterangan job \(long.job) lebih dari 300 karakter")
        }
        let answer = try await store.recordPosResults(request.results, by: person, now: clock())
        logger.notice("hasil PT Pos dicatat oleh \(person): \(answer.recorded) kartu, \(answer.backOnShelf.count) kembali ke kecamatan")
        return answer
    }

    /// PT Pos's result file (`PosResultsCSV`).
    public func recordPosResults(csv text: String, by person: String) async throws -> PosResultsAnswer {
        let rows: [PosResultRow]
        do { rows = try PosResultsCSV.parse(text) } catch { throw HubError(.invalid, "berkas hasil PT Pos ditolak: \(error)") }
        return try await recordPosResults(PosResultsRequest(results: rows, by: person))
    }

    private func named(_ s: ShipmentView) -> ShipmentView {
        var s = s
        s.toName = regions.kecamatan(s.toKecamatan)?.name
        return s
    }

    private func checkedKabupaten(_ code: String) throws -> String {
        guard code.count == 5, code.range(of: #"^\d{2}\.\d{2}$"#, options: .regularExpression) != nil, regions.region(code) != nil else {
            throw HubError(.invalid, "kode kabupaten \"\(code.prefix(20))\" tidak dikenal (bentuk PP.KK, dari wilayah.csv)")
        }
        return code
    }

    /// Each kecamatan of the kabupaten as the allocation sees it: the stock overview's
    /// figures (`StockForecast`), its first-time applicants, and what is on its way.
    private func allocationFigures(_ kabupaten: String) async throws -> [(kecamatan: BlangkoAllocation.Kecamatan, stations: Int)] {
        let stock = try await stockOverview().kecamatan.filter { $0.kecamatanCode.hasPrefix(kabupaten + ".") }
        var pemula: [String: Int] = [:]
        for row in try await store.backlog() { pemula[row.kecamatanCode] = row.pemula }
        var inTransit: [String: Int] = [:]
        for s in try await store.shipments(under: kabupaten, limit: 10_000) where s.status == .inTransit {
            inTransit[s.toKecamatan, default: 0] += s.quantity
        }
        return stock.map { k in
            (
                BlangkoAllocation.Kecamatan(
                    code: k.kecamatanCode, backlog: k.backlog, pemula: pemula[k.kecamatanCode] ?? 0, onHand: k.onHand,
                    inTransit: inTransit[k.kecamatanCode] ?? 0, usePerDay: k.consumptionPerDay, daysLeft: k.daysLeft), k.stations
            )
        }
    }
}
