import NIOCore
import Testing

@testable import EKTPHub

@Suite("The hub's threads")
struct HubThreadsTests {
    @Test("as many event loops as CPUs the process may run on, never more than the machine has")
    func allowedCPUs() {
        #expect(HubServer.allowedCPUs(status: "Name:\tektp-hub\nCpus_allowed:\t2\nCpus_allowed_list:\t1\n") == 1)
        #expect(HubServer.allowedCPUs(status: "Cpus_allowed:\t00000000,00000001\n") == 1)
        #expect(HubServer.allowedCPUs(status: "Cpus_allowed:\tffffffff,ffffffff\n") == System.coreCount)
        #expect(HubServer.allowedCPUs(status: "Cpus_allowed:\t0\n") == 1)
        #expect(HubServer.allowedCPUs(status: nil) == System.coreCount)
        #expect(HubServer.allowedCPUs(status: "Name:\tx\n") == System.coreCount)
    }
}
