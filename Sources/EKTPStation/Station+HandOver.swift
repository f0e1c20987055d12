import EKTPDomain
import EKTPStationStore
import EKTPWire

extension HandOver {
    /// The hand-over a request asks for, or why it is not one: a pickup names the person
    /// and the NIK they give; PT Pos names the manifest; never both.
    init(_ r: HandoverRequest) throws(StationError) {
        let recipient = r.recipient?.trimmingCharacters(in: .whitespaces).nonEmpty
        let manifest = r.posReceipt?.trimmingCharacters(in: .whitespaces).nonEmpty
        switch (recipient, manifest) {
        case (let name?, nil):
            guard let text = r.nik?.nonEmpty else {
                throw StationError(.invalid, "NIK pengambil wajib diisi: ketik atau pindai NIK dari KTP-el lama atau bukti perekaman")
            }
            let nik: NIK
            do { nik = try HandOver.nik(text) } catch { throw StationError(.invalid, "NIK pengambil: \(error)") }
            self = .pickup(recipient: name, nik: nik, oldCardCollected: r.oldCardCollected ?? false)
        case (nil, let manifest?):
            guard r.nik == nil, r.oldCardCollected == nil else {
                throw StationError(.invalid, "penyerahan ke PT Pos tidak memakai NIK pengambil atau KTP-el lama")
            }
            self = .pos(manifest: manifest)
        default:
            throw StationError(.invalid, "sebutkan penerima (diambil) atau nomor resi PT Pos, salah satu saja")
        }
    }

    /// What the operator reads after the hand-over is recorded.
    func done(_ id: JobID) -> String {
        switch self {
        case .pickup(let name, _, let old): "\(id) diserahkan kepada \(name)" + (old ? "; KTP-el lama ditarik untuk dimusnahkan" : "")
        case .pos(let manifest): "\(id) diserahkan ke PT Pos (resi \(manifest))"
        }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
