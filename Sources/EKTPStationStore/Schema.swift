import GRDB

/// Named migrations. A migration that has shipped is never edited: add a new one.
///
/// "Trust SQLite more than yourself": quantities, states and the balance floor are
/// constrained in the schema, so a bug in Swift cannot write an impossible ledger.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-station") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job (
                        id TEXT PRIMARY KEY NOT NULL,
                        kecamatanCode TEXT NOT NULL,
                        priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
                        state TEXT NOT NULL CHECK (state IN ('received','queued','printing','printed',
                            'failed-before-pick','spoiled','outcome-unknown','rejected','handed-over')),
                        maskedNik TEXT NOT NULL,
                        contentHash BLOB NOT NULL,
                        -- AES-GCM sealed signed-job document (personal data); NULL once purged
                        sealed BLOB,
                        keyId TEXT NOT NULL,
                        deviceId TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        receivedAt REAL NOT NULL,
                        updatedAt REAL NOT NULL,
                        handedOverAt REAL,
                        purgedAt REAL
                    );
                    CREATE INDEX job_queue ON job(state, priority DESC);
                    CREATE INDEX job_device ON job(deviceId, state);

                    CREATE TABLE ledger (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('received','loaded','unloaded','printed',
                            'spoiled','destroyed','transferred','counted')),
                        fromPlace TEXT NOT NULL,
                        toPlace TEXT NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        jobId TEXT REFERENCES job(id),
                        cause TEXT CHECK (cause IS NULL OR cause IN ('gagal-cetak','gagal-encode','rusak','perubahan-elemen-data')),
                        note TEXT,
                        document TEXT,
                        actor TEXT NOT NULL
                    );
                    CREATE INDEX ledger_at ON ledger(at);
                    CREATE INDEX ledger_from ON ledger(fromPlace, kind);
                    -- The ledger is append-only.
                    CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
                    CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

                    -- Running balance per place, kept in the same transaction as each entry and
                    -- checked against the ledger by `verifyStock`. Physical places never go below zero.
                    CREATE TABLE stockBalance (
                        place TEXT PRIMARY KEY NOT NULL,
                        quantity INTEGER NOT NULL,
                        CHECK (quantity >= 0 OR place IN ('supplier', 'adjustment'))
                    );

                    CREATE TABLE stockCount (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        place TEXT NOT NULL,
                        expected INTEGER NOT NULL,
                        counted INTEGER NOT NULL CHECK (counted >= 0),
                        reason TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending','confirmed','refused')),
                        decidedBy TEXT,
                        decidedAt REAL
                    );

                    CREATE TABLE device (
                        id TEXT PRIMARY KEY NOT NULL,
                        uri TEXT NOT NULL,
                        model TEXT NOT NULL,
                        serial TEXT NOT NULL,
                        hopperCapacity INTEGER NOT NULL CHECK (hopperCapacity > 0),
                        state TEXT NOT NULL,
                        -- Card-counter baseline: the printer's counter and the ledger's count of
                        -- cards consumed on this device at the same moment.
                        counterBase INTEGER,
                        consumedBase INTEGER,
                        firstSeen REAL NOT NULL,
                        lastSeen REAL NOT NULL
                    );

                    CREATE TABLE outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        event TEXT NOT NULL,
                        sentAt REAL
                    );
                    CREATE INDEX outbox_unsent ON outbox(sentAt) WHERE sentAt IS NULL;

                    CREATE TABLE alert (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        kind TEXT NOT NULL,
                        deviceId TEXT,
                        message TEXT NOT NULL,
                        clearedAt REAL
                    );

                    CREATE TABLE audit (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        jobId TEXT,
                        maskedNik TEXT,
                        detail TEXT NOT NULL,
                        prevHash BLOB NOT NULL,
                        hash BLOB NOT NULL
                    );
                    CREATE INDEX audit_job ON audit(jobId);
                    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                        BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
                    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
                        BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
                    """)
        }
        m.registerMigration("v2-sync", migrate: Schema.syncTables)
        // The people who log in to the station's pages (operator, kepala) and their sessions.
        m.registerMigration("v3-web-users") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webUser (
                        name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 2 AND 32),
                        fullName TEXT NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('kepala', 'operator')),
                        passwordHash TEXT NOT NULL CHECK (passwordHash LIKE '$2%'),
                        createdAt REAL NOT NULL,
                        disabledAt REAL
                    );
                    CREATE TABLE webSession (
                        tokenHash BLOB PRIMARY KEY NOT NULL CHECK (length(tokenHash) = 32),
                        userName TEXT NOT NULL REFERENCES webUser(name),
                        csrf TEXT NOT NULL,
                        createdAt REAL NOT NULL,
                        expiresAt REAL NOT NULL
                    );
                    CREATE INDEX webSession_expires ON webSession(expiresAt);
                    """)
        }
        // A blangko used for a printer's test card is spoiled under its own cause. SQLite
        // cannot change a CHECK in place: the ledger is copied into a table that allows
        // `cetak-uji`, entries, ids and the append-only triggers unchanged.
        m.registerMigration("v4-ledger-cetak-uji") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger_v4 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('received','loaded','unloaded','printed',
                            'spoiled','destroyed','transferred','counted')),
                        fromPlace TEXT NOT NULL,
                        toPlace TEXT NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        jobId TEXT REFERENCES job(id),
                        cause TEXT CHECK (cause IS NULL OR cause IN ('gagal-cetak','gagal-encode','rusak','perubahan-elemen-data','cetak-uji')),
                        note TEXT,
                        document TEXT,
                        actor TEXT NOT NULL
                    );
                    INSERT INTO ledger_v4 (id, at, kind, fromPlace, toPlace, quantity, jobId, cause, note, document, actor)
                        SELECT id, at, kind, fromPlace, toPlace, quantity, jobId, cause, note, document, actor FROM ledger;
                    DROP TABLE ledger;
                    ALTER TABLE ledger_v4 RENAME TO ledger;
                    CREATE INDEX ledger_at ON ledger(at);
                    CREATE INDEX ledger_from ON ledger(fromPlace, kind);
                    CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
                    CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
                    """)
        }
        // Who collected a card is personal data: sealed with the job's, purged with it.
        m.registerMigration("v5-sealed-recipient") { db in
            try db.execute(sql: "ALTER TABLE job ADD COLUMN recipientSealed BLOB")
        }
        // One live card per NIK: the NIK's key (an HMAC, not the NIK) to find an earlier
        // card for the same person, and the earlier job a new one is held for until a
        // kecamatan head decides. Rows from before are keyed when the store opens.
        m.registerMigration("v6-nik-hold") { db in
            try db.execute(
                sql: """
                    ALTER TABLE job ADD COLUMN nikKey BLOB;
                    ALTER TABLE job ADD COLUMN heldFor TEXT;
                    CREATE INDEX job_nikKey ON job(nikKey);
                    """)
        }
        // The PC accounts people run `ektpctl` under, each mapped to one station user: the
        // local API knows its caller from the socket's peer credentials, not from a name
        // typed after `--by`.
        m.registerMigration("v7-pc-accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pcAccount (
                        account TEXT PRIMARY KEY NOT NULL CHECK (length(account) BETWEEN 1 AND 32),
                        userName TEXT NOT NULL REFERENCES webUser(name),
                        createdAt REAL NOT NULL
                    );
                    CREATE INDEX pcAccount_user ON pcAccount(userName);
                    """)
        }
        // An alert's life: the outbox event that raised it (so that its acknowledgement and
        // its clearing reach the hub as events naming it), and who took it on, when.
        m.registerMigration("v8-alert-life") { db in
            try db.execute(
                sql: """
                    ALTER TABLE alert ADD COLUMN eventSeq INTEGER;
                    ALTER TABLE alert ADD COLUMN acknowledgedAt REAL;
                    ALTER TABLE alert ADD COLUMN acknowledgedBy TEXT;
                    """)
        }
        // Each chip encoding's end, per printer (docs/chip.md): the pages and the hub count them.
        m.registerMigration("v9-chip-encoding") { db in
            try db.execute(
                sql: """
                    CREATE TABLE chipEncoding (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        deviceId TEXT NOT NULL,
                        jobId TEXT REFERENCES job(id),
                        result TEXT NOT NULL CHECK (result IN ('verified', 'refused', 'failed', 'interrupted')),
                        reason TEXT NOT NULL
                    );
                    CREATE INDEX chipEncoding_device ON chipEncoding(deviceId);
                    """)
        }
        // Hand-over (docs/id/operator.md): how each card leaves (filled from the sealed
        // document when the store opens), and old KTP-el collected at a pickup, kept until
        // destroyed under a record.
        m.registerMigration("v10-handover") { db in
            try db.execute(
                sql: """
                    ALTER TABLE job ADD COLUMN delivery TEXT CHECK (delivery IS NULL OR delivery IN ('pickup', 'pos'));
                    CREATE TABLE oldCard (
                        jobId TEXT PRIMARY KEY NOT NULL REFERENCES job(id),
                        maskedNik TEXT NOT NULL,
                        collectedAt REAL NOT NULL,
                        collectedBy TEXT NOT NULL,
                        destroyedAt REAL,
                        destructionRecord TEXT,
                        CHECK ((destroyedAt IS NULL) = (destructionRecord IS NULL))
                    );
                    CREATE INDEX oldCard_waiting ON oldCard(destroyedAt);
                    """)
        }
        // How spoiled blangko were destroyed (dipotong, dibakar …), for the berita acara.
        m.registerMigration("v11-destruction-method") { db in
            try db.execute(
                sql: """
                    CREATE TABLE destructionMethod (
                        ledgerId INTEGER PRIMARY KEY NOT NULL REFERENCES ledger(id),
                        method TEXT NOT NULL CHECK (length(method) BETWEEN 1 AND 200)
                    );
                    """)
        }
        // Shipments of blangko on their way here, as the hub's heartbeat answer lists
        // them, and the count each was received with (`ledgerId` the `received` entry; none
        // when nothing arrived).
        m.registerMigration("v12-shipments") { db in
            try db.execute(
                sql: """
                    CREATE TABLE shipment (
                        id TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        fromKecamatan TEXT,
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        document TEXT NOT NULL,
                        sentAt REAL NOT NULL,
                        receivedQuantity INTEGER CHECK (receivedQuantity >= 0),
                        receivedAt REAL,
                        receivedBy TEXT,
                        reason TEXT,
                        ledgerId INTEGER REFERENCES ledger(id)
                    );
                    """)
        }
        // Ribbon rolls (RibbonStock): received into the store, loaded into a printer with
        // the prints a roll gives, finished. Append-only like the blangko ledger.
        m.registerMigration("v13-ribbons") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ribbonLedger (
                        id INTEGER PRIMARY KEY,
                        at REAL NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('received', 'loaded', 'finished')),
                        device TEXT REFERENCES device(id),
                        rolls INTEGER NOT NULL CHECK (rolls > 0),
                        capacity INTEGER CHECK (capacity > 0),
                        document TEXT,
                        actor TEXT NOT NULL,
                        CHECK ((kind = 'received') = (device IS NULL)),
                        CHECK ((kind = 'loaded') = (capacity IS NOT NULL))
                    );
                    CREATE INDEX ribbonLedger_device ON ribbonLedger(device, id);
                    """)
        }
        return m
    }
}
