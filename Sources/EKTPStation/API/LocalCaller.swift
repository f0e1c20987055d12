import EKTPAccounts
import EKTPDomain
import EKTPStationStore
import Foundation
import Hummingbird
import NIOCore

/// A request on the local API's Unix socket, with who sent it as the kernel says
/// (`SO_PEERCRED`): the PC account that ran `ektpctl`. Nobody can claim another account.
struct LocalRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller's credentials, read from the connection's socket.
    let peer: EventLoopFuture<PeerCredentials>?

    /// `struct ucred` of Linux's `SO_PEERCRED` (pid, uid, gid), which Glibc's Swift module
    /// does not export.
    struct PeerCredentials {
        var pid: Int32
        var uid: UInt32
        var gid: UInt32
    }

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        /// `SO_PEERCRED` from <asm-generic/socket.h>.
        let peerCredentials: SocketOptionName = 17
        peer = (source.channel as? any SocketOptionProvider)?.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: peerCredentials)
    }

    /// The PC account that sent the request, or nil when the socket cannot say.
    func account() async -> String? {
        guard let credentials = try? await peer?.get() else { return nil }
        guard let entry = getpwuid(credentials.uid), let name = entry.pointee.pw_name else { return "uid \(credentials.uid)" }
        return String(cString: name)
    }
}

/// Who the audit trail names for a request on the local API: a known person, never free
/// text. The PC account comes from the kernel. A declared name (`--by`, the
/// `X-EKTP-Operator` header) is one line of printable text; once the station has user
/// accounts (`ektpctl users add`), it must be one of them. Recorded as the name, with the
/// PC account when that differs: `siti (akun PC operator)`.
struct LocalCaller {
    let station: Station

    /// With `role`, the person must be a station user holding that role: a decision only
    /// that role may take (a kecamatan head's) is never taken in another's name.
    func actor(declared: String?, field: String, context: LocalRequestContext, role: WebRole? = nil) async throws -> String {
        let account = await context.account()
        let users = try await station.store.webUsers().filter { !$0.disabled }
        if let role {
            guard let declared, let user = users.first(where: { $0.name == declared.trimmingCharacters(in: .whitespaces) }), user.role == role else {
                let holders = users.filter { $0.role == role }.map(\.name).sorted()
                throw StationError(
                    .invalid,
                    holders.isEmpty
                        ? "hanya \(role.label) yang boleh memutuskan ini, dan stasiun belum punya akun \(role.label) (ektpctl users add NAMA --role \(role.rawValue))"
                        : "hanya \(role.label) yang boleh memutuskan ini: sebutkan --by \(holders.joined(separator: " atau "))")
            }
        }
        guard let declared else { return account ?? "tidak diketahui" }
        let name: String
        do { name = try PersonName.check(declared, field: field) } catch {
            throw StationError(.invalid, "\(error)")
        }
        if !users.isEmpty, !users.contains(where: { $0.name == name }) {
            throw StationError(
                .invalid,
                "\(field) \"\(name)\" bukan pengguna stasiun ini (ada: \(users.map(\.name).sorted().joined(separator: ", "))); lihat ektpctl users list")
        }
        guard let account, account != name else { return name }
        return "\(name) (akun PC \(account))"
    }
}
