import EKTPAccounts
import EKTPDomain
import EKTPStationStore
import EKTPWire
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

    /// The uid that sent the request, or nil when the socket cannot say.
    func uid() async -> UInt32? { try? await peer?.get().uid }
}

/// Who sent a request on the local API, as the kernel says (`SO_PEERCRED`): a PC account,
/// and the station user it is mapped to (`ektpctl user add … --akun-pc`). Nobody names
/// themselves: `ektpctl` has no `--by`.
struct Caller: Sendable {
    /// The login name, or `uid N` for an account without one.
    var account: String
    /// The station user this PC account belongs to.
    var user: WebUser?
    /// Root, or the account `ektpd` runs as: may administer the station.
    var administrator: Bool
    /// The station has no users yet (just installed): operators' acts are recorded under
    /// the PC account until the first user is added.
    var setup: Bool

    /// The name the audit trail records.
    var recordedAs: String { user?.name ?? "akun PC \(account)" }

    var view: CallerView {
        CallerView(
            pcAccount: account, user: user?.name, fullName: user?.fullName, role: user?.role.rawValue, recordedAs: recordedAs,
            note: user != nil
                ? nil
                : setup
                    ? "stasiun belum punya pengguna: tindakan operator dicatat atas nama akun PC; keputusan kepala kecamatan belum bisa diambil (sudo ektpctl user add NAMA --role kepala --akun-pc LOGIN)"
                    : "akun PC \(account) belum terhubung ke pengguna stasiun (sudo ektpctl user link NAMA \(account))")
    }
}

/// Finds the caller of a request and holds them to `StationAct`'s rules.
struct LocalCaller {
    let station: Station

    func caller(_ context: LocalRequestContext) async throws -> Caller {
        guard let uid = await context.uid() else {
            throw StationError(.invalid, "soket tidak menyebut pengirim permintaan; sambungkan lewat soket Unix ektpd")
        }
        let login = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
        let users = try await station.store.webUsers()
        let accounts = try station.store.pcAccounts()
        let mapped = PCAccount.keys(uid: uid, login: login).lazy.compactMap { accounts[$0] }.first
        let user = mapped.flatMap { name in users.first { $0.name == name && !$0.disabled } }
        return Caller(account: login ?? "uid \(uid)", user: user, administrator: uid == 0 || uid == getuid(), setup: users.isEmpty)
    }

    /// The caller, allowed to do `act`, or a refusal saying who may.
    func require(_ act: StationAct, _ context: LocalRequestContext) async throws -> Caller {
        let caller = try await caller(context)
        if let user = caller.user {
            guard act.roles.contains(user.role) || (act.administrative && caller.administrator) else {
                throw StationError(.rejected, "hanya \(act.who) yang boleh melakukan ini; \(user.name) adalah \(user.role.label)")
            }
            return caller
        }
        if act.administrative && caller.administrator { return caller }
        if caller.setup && act.roles.contains(.operator) { return caller }
        guard caller.setup else {
            throw StationError(
                .rejected,
                "akun PC \(caller.account) belum terhubung ke pengguna stasiun; minta admin menjalankan: sudo ektpctl user link NAMA \(caller.account)")
        }
        throw StationError(
            .rejected,
            act.roles.isEmpty
                ? "hanya admin stasiun (root) yang boleh melakukan ini"
                : "hanya \(act.who) yang boleh melakukan ini, dan stasiun belum punya akunnya (sudo ektpctl user add NAMA --role \(act.roles.map(\.rawValue).sorted()[0]) --akun-pc LOGIN)"
        )
    }
}
