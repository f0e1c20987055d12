import EKTPDomain
import Foundation
import Testing

@testable import EKTPDrivers

@Suite struct USBURITests {
    @Test func parses() throws {
        #expect(try USBDrivers.parse("usb://0f49:0e00/PRI0123456") == .init(vendorID: 0x0f49, productID: 0x0e00, serial: "PRI0123456", model: nil))
        #expect(
            try USBDrivers.parse("usb://0c1f/MC%2042?model=magicard-rio-pro-360")
                == .init(vendorID: 0x0c1f, productID: nil, serial: "MC 42", model: "magicard-rio-pro-360"))
        #expect(throws: USBDrivers.Problem.self) { try USBDrivers.parse("usb://0f49:0e00/") }
        #expect(throws: USBDrivers.Problem.self) { try USBDrivers.parse("usb://zz:0e00/S") }
    }

    /// The device is identified by vendor and serial, whatever port it hangs on.
    @Test func opensByProfileWithSerialIdentity() async throws {
        let catalog = try TestMaterial.repositoryCatalog()
        let evolis = try USBDrivers.open(uri: "usb://0f49:0e00/PRI0123456", profiles: catalog)
        #expect(evolis is EvolisPrinter)
        #expect(evolis.info.id.rawValue == "evolis-PRI0123456")
        #expect(evolis.info.model == "Evolis Primacy 2")
        let registry = DriverRegistry(profiles: catalog)
        let magicard = try await registry.open("usb://0c1f:1800/MC0042")
        #expect(magicard is MagicardPrinter)
        #expect(magicard.info.id.rawValue == "magicard-MC0042")
        #expect(throws: USBDrivers.Problem.self) { try USBDrivers.open(uri: "usb://09b0:2400/F1", profiles: catalog) }
    }
}

@Suite("usb:// through the registry")
struct USBRegistryTests {
    /// A product id with letters (0e00) is a USB id, not a URL port: the registry passes the
    /// raw URI to the driver. Nothing is plugged in here, so the printer is offline.
    @Test func evolisProductIdIsNotReadAsAPort() async throws {
        let registry = DriverRegistry(profiles: try ProfileCatalog.load(directory: ProfileCatalog.defaultDirectory()))
        let printer = try await registry.open("usb://0f49:0e00/PRI0123456")
        #expect(printer.info.id.rawValue == "evolis-PRI0123456")
        #expect(printer.info.model == "Evolis Primacy 2")
        #expect(await printer.status().status == .offline)
    }
}
