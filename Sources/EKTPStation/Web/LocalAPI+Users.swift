import EKTPAccounts
import EKTPHTTP
import EKTPStationStore
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird

extension LocalAPI {
    /// `POST /v1/users` and `GET /v1/users`: web users, managed by whoever may open the
    /// local socket (the station's admin, through `ektpctl user`).
    static func addUserRoutes(_ v1: RouterGroup<LocalRequestContext>, _ station: Station) {
        v1.post("users") { request, _ in
            let body: WebUserRequest = try await decode(request)
            guard let role = WebRole(rawValue: body.role) else {
                throw APIError(.unprocessableContent, code: "invalid", "peran \(body.role.prefix(20)) tidak dikenal (operator, kepala)")
            }
            do {
                let user = try WebAccounts.newUser(
                    name: body.name, fullName: body.fullName, role: role, password: body.password, allowed: StationStore.webRoles, now: Date())
                try await station.store.addWebUser(user)
                return JSONReply.response(view(user), status: .created)
            } catch let error as WebAccountError {
                throw APIError(error.code == .exists ? .conflict : .unprocessableContent, code: error.code == .exists ? "conflict" : "invalid", error.message)
            }
        }
        v1.get("users") { _, _ in JSONReply.response(try await station.store.webUsers().map(view)) }
    }

    static func view(_ user: WebUser) -> WebUserView {
        WebUserView(name: user.name, fullName: user.fullName, role: user.role.rawValue, createdAt: user.createdAt, disabled: user.disabled)
    }
}
