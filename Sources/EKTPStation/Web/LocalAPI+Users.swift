import EKTPAccounts
import EKTPHTTP
import EKTPStationStore
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird

extension LocalAPI {
    /// `POST /v1/users`, `POST /v1/users/{name}/pc-accounts` and `GET /v1/users`: the
    /// station's people, managed by its administrator (root, through `sudo ektpctl users`).
    static func addUserRoutes(_ v1: RouterGroup<LocalRequestContext>, _ station: Station, _ caller: LocalCaller) {
        v1.post("users") { request, context in
            let admin = try await caller.require(.manageUsers, context).recordedAs
            let body: WebUserRequest = try await decode(request)
            guard let role = WebRole(rawValue: body.role) else {
                throw APIError(.unprocessableContent, code: "invalid", "peran \(body.role.prefix(20)) tidak dikenal (operator, kepala)")
            }
            do {
                let user = try WebAccounts.newUser(
                    name: body.name, fullName: body.fullName, role: role, password: body.password, allowed: StationStore.webRoles, now: Date())
                try station.store.addStationUser(user, pcAccount: body.pcAccount, by: admin)
                return JSONReply.response(view(user, try station.store.pcAccounts()), status: .created)
            } catch let error as WebAccountError {
                throw APIError(error.code == .exists ? .conflict : .unprocessableContent, code: error.code == .exists ? "conflict" : "invalid", error.message)
            }
        }
        v1.post("users/:name/pc-accounts") { request, context in
            let admin = try await caller.require(.manageUsers, context).recordedAs
            let body: PCAccountRequest = try await decode(request)
            let name = context.parameters.get("name") ?? ""
            try station.store.linkPCAccount(body.pcAccount, to: name, by: admin)
            guard let user = try await station.store.webUser(named: name) else { throw APIError(.notFound, code: "not-found", "pengguna \(name) tidak ada") }
            return JSONReply.response(view(user, try station.store.pcAccounts()))
        }
        v1.get("users") { _, _ in
            let accounts = try station.store.pcAccounts()
            return JSONReply.response(try await station.store.webUsers().map { view($0, accounts) })
        }
    }

    static func view(_ user: WebUser, _ accounts: [String: String]) -> WebUserView {
        WebUserView(
            name: user.name, fullName: user.fullName, role: user.role.rawValue, createdAt: user.createdAt, disabled: user.disabled,
            pcAccounts: accounts.filter { $0.value == user.name }.map(\.key).sorted())
    }
}
