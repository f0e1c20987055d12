import GRDB

/// Named migrations of the hub's SQLite database. A shipped migration is never edited.
///
/// Constraints live in the schema ("trust SQLite more than yourself"): job states, an
/// offered job always names its station and lease, one event per (station, seq), one
/// station per credential hash.
enum HubSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-hub") { db in
            try db.execute(
                sql: """
                    CREATE TABLE station (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        kecamatanCode TEXT NOT NULL,
                        credentialHash BLOB NOT NULL UNIQUE CHECK (length(credentialHash) = 32),
                        enrolledAt REAL NOT NULL,
                        credentialExpiresAt REAL,
                        revokedAt REAL,
                        lastSeenAt REAL,
                        lastHeartbeatAt REAL,
                        outboxBacklog INTEGER,
                        highestSeq INTEGER NOT NULL DEFAULT 0 CHECK (highestSeq >= 0)
                    );
                    CREATE INDEX station_kecamatan ON station(kecamatanCode);

                    CREATE TABLE enrollmentToken (
                        tokenHash BLOB PRIMARY KEY NOT NULL CHECK (length(tokenHash) = 32),
                        kecamatanCode TEXT NOT NULL,
                        createdAt REAL NOT NULL,
                        expiresAt REAL NOT NULL,
                        usedAt REAL,
                        stationId TEXT REFERENCES station(id),
                        CHECK ((usedAt IS NULL) = (stationId IS NULL))
                    );

                    CREATE TABLE job (
                        id TEXT PRIMARY KEY NOT NULL,
                        kecamatanCode TEXT NOT NULL,
                        priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
                        approvedAt REAL NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('approved','offered','claimed','printed',
                            'spoiled-reprint-needed','returned','handed-over')),
                        contentHash BLOB NOT NULL CHECK (length(contentHash) = 32),
                        keyId TEXT NOT NULL,
                        -- the signed document, canonical bytes, as stations receive it
                        document BLOB NOT NULL,
                        maskedNik TEXT NOT NULL,
                        stationId TEXT REFERENCES station(id),
                        leaseExpiresAt REAL,
                        offerCount INTEGER NOT NULL DEFAULT 0,
                        stationState TEXT,
                        receivedAt REAL NOT NULL,
                        updatedAt REAL NOT NULL,
                        CHECK (state <> 'offered' OR (stationId IS NOT NULL AND leaseExpiresAt IS NOT NULL)),
                        CHECK (state = 'approved' OR stationId IS NOT NULL),
                        CHECK (state <> 'approved' OR stationId IS NULL)
                    );
                    CREATE INDEX job_queue ON job(kecamatanCode, state, priority DESC, approvedAt, id);
                    CREATE INDEX job_station ON job(stationId, state);

                    -- Every event a station sent, once: (station, seq) is the idempotency key.
                    CREATE TABLE stationEvent (
                        stationId TEXT NOT NULL REFERENCES station(id),
                        seq INTEGER NOT NULL CHECK (seq > 0),
                        receivedAt REAL NOT NULL,
                        kind TEXT NOT NULL,
                        event TEXT NOT NULL,
                        PRIMARY KEY (stationId, seq)
                    ) WITHOUT ROWID;

                    CREATE TABLE device (
                        stationId TEXT NOT NULL REFERENCES station(id),
                        id TEXT NOT NULL,
                        model TEXT,
                        status TEXT NOT NULL CHECK (status IN ('ready','printing','warning','error','offline')),
                        state TEXT NOT NULL,
                        errorSince REAL,
                        updatedAt REAL NOT NULL,
                        CHECK ((status = 'error') = (errorSince IS NOT NULL)),
                        PRIMARY KEY (stationId, id)
                    );

                    -- Running balance per kecamatan and ledger place, from ledger events.
                    CREATE TABLE stockBalance (
                        kecamatanCode TEXT NOT NULL,
                        place TEXT NOT NULL,
                        quantity INTEGER NOT NULL,
                        PRIMARY KEY (kecamatanCode, place)
                    );

                    -- Blangko consumed (printed or spoiled out of store or hopper), for the rate.
                    CREATE TABLE consumption (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kecamatanCode TEXT NOT NULL,
                        at REAL NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0)
                    );
                    CREATE INDEX consumption_at ON consumption(kecamatanCode, at);

                    -- Stock per place as the station's last heartbeat reported it.
                    CREATE TABLE stockReported (
                        stationId TEXT NOT NULL REFERENCES station(id),
                        place TEXT NOT NULL,
                        quantity INTEGER NOT NULL,
                        reportedAt REAL NOT NULL,
                        PRIMARY KEY (stationId, place)
                    );

                    -- Alerts stations raised (counter mismatch, outcome unknown, …).
                    CREATE TABLE stationAlert (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        stationId TEXT NOT NULL REFERENCES station(id),
                        seq INTEGER NOT NULL,
                        at REAL NOT NULL,
                        kind TEXT NOT NULL,
                        device TEXT,
                        message TEXT NOT NULL
                    );
                    """)
        }
        // Where a station's sequence starts under its credential (`EnrollRequest.firstSeq`):
        // gaps count from here, and `highestSeq` starts at `firstSeq - 1`.
        m.registerMigration("v2-first-seq") { db in
            try db.execute(sql: "ALTER TABLE station ADD COLUMN firstSeq INTEGER NOT NULL DEFAULT 1 CHECK (firstSeq >= 1)")
        }
        // The central office's people who log in to the hub's pages, and their sessions.
        m.registerMigration("web-users-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webUser (
                        name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 2 AND 32),
                        fullName TEXT NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('pusat')),
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
        // Why the station prints nothing, as its last heartbeat said (full disk, rollback hold).
        m.registerMigration("v3-station-stopped") { db in
            try db.execute(sql: "ALTER TABLE station ADD COLUMN stopped TEXT")
        }
        // Every audit chain head a station sent with its events.
        m.registerMigration("v4-audit-anchor") { db in
            try db.execute(
                sql: """
                    CREATE TABLE auditAnchor (
                        stationId TEXT NOT NULL REFERENCES station(id),
                        seq INTEGER NOT NULL CHECK (seq > 0),
                        hash TEXT NOT NULL CHECK (length(hash) = 64),
                        receivedAt REAL NOT NULL,
                        PRIMARY KEY (stationId, seq)
                    )
                    """)
        }
        // The build a station runs, as its last heartbeat said.
        m.registerMigration("v5-station-version") { db in
            try db.execute(sql: "ALTER TABLE station ADD COLUMN version TEXT")
        }
        // One live card per NIK: the NIK's HMAC under the hub's data key, the earlier job a
        // new one is held for, and the hub's own audit trail of what central users decide.
        m.registerMigration("v6-nik-hold") { db in
            try db.execute(
                sql: """
                    ALTER TABLE job ADD COLUMN nikKey BLOB;
                    ALTER TABLE job ADD COLUMN heldFor TEXT;
                    CREATE INDEX job_nikKey ON job(nikKey);
                    CREATE TABLE hubAudit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        jobId TEXT,
                        detail TEXT NOT NULL
                    );
                    """)
        }
        // The centre acts on jobs: a withdrawal (when, why, who), and the one station a
        // moved job goes to. A job withdrawn before any station held it is `returned` with
        // no station: SQLite cannot change a CHECK in place, so the table is copied into one
        // that allows it (rows, columns and indexes otherwise unchanged).
        m.registerMigration("v7-central-acts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job_v7 (
                        id TEXT PRIMARY KEY NOT NULL,
                        kecamatanCode TEXT NOT NULL,
                        priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
                        approvedAt REAL NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('approved','offered','claimed','printed',
                            'spoiled-reprint-needed','returned','handed-over')),
                        contentHash BLOB NOT NULL CHECK (length(contentHash) = 32),
                        keyId TEXT NOT NULL,
                        document BLOB NOT NULL,
                        maskedNik TEXT NOT NULL,
                        stationId TEXT REFERENCES station(id),
                        leaseExpiresAt REAL,
                        offerCount INTEGER NOT NULL DEFAULT 0,
                        stationState TEXT,
                        receivedAt REAL NOT NULL,
                        updatedAt REAL NOT NULL,
                        nikKey BLOB,
                        heldFor TEXT,
                        withdrawnAt REAL,
                        withdrawReason TEXT,
                        withdrawBy TEXT,
                        assignedStationId TEXT REFERENCES station(id),
                        CHECK (state <> 'offered' OR (stationId IS NOT NULL AND leaseExpiresAt IS NOT NULL)),
                        CHECK (state IN ('approved', 'returned') OR stationId IS NOT NULL),
                        CHECK (state <> 'returned' OR stationId IS NOT NULL OR withdrawnAt IS NOT NULL),
                        CHECK (state <> 'approved' OR stationId IS NULL)
                    );
                    INSERT INTO job_v7 (id, kecamatanCode, priority, approvedAt, state, contentHash, keyId, document, maskedNik, stationId,
                        leaseExpiresAt, offerCount, stationState, receivedAt, updatedAt, nikKey, heldFor)
                        SELECT id, kecamatanCode, priority, approvedAt, state, contentHash, keyId, document, maskedNik, stationId,
                        leaseExpiresAt, offerCount, stationState, receivedAt, updatedAt, nikKey, heldFor FROM job;
                    DROP TABLE job;
                    ALTER TABLE job_v7 RENAME TO job;
                    CREATE INDEX job_queue ON job(kecamatanCode, state, priority DESC, approvedAt, id);
                    CREATE INDEX job_station ON job(stationId, state);
                    CREATE INDEX job_nikKey ON job(nikKey);
                    CREATE INDEX job_withdrawn ON job(stationId) WHERE withdrawnAt IS NOT NULL;
                    CREATE INDEX hubAudit_job ON hubAudit(jobId);
                    """)
        }
        // An alert's life: cleared and acknowledged as the station reports, escalated once
        // when nobody took it on in time; the hub-detected alerts already pushed.
        m.registerMigration("v8-alert-life") { db in
            try db.execute(
                sql: """
                    ALTER TABLE stationAlert ADD COLUMN clearedAt REAL;
                    ALTER TABLE stationAlert ADD COLUMN acknowledgedAt REAL;
                    ALTER TABLE stationAlert ADD COLUMN acknowledgedBy TEXT;
                    ALTER TABLE stationAlert ADD COLUMN escalatedAt REAL;
                    CREATE INDEX stationAlert_seq ON stationAlert(stationId, seq);
                    CREATE INDEX stationAlert_open ON stationAlert(at) WHERE clearedAt IS NULL;
                    CREATE TABLE alertPushed (
                        key TEXT PRIMARY KEY NOT NULL,
                        at REAL NOT NULL
                    );
                    """)
        }
        // Each printer's chip encodings by result, as its station's heartbeat says (JSON).
        m.registerMigration("v9-device-chip") { db in
            try db.execute(sql: "ALTER TABLE device ADD COLUMN chip TEXT")
        }
        // When the station recorded each event (its clock), for the kabupaten's monthly
        // roll-up; NULL for events stored before, which count at their arrival.
        m.registerMigration("v10-event-at") { db in
            try db.execute(sql: "ALTER TABLE stationEvent ADD COLUMN at REAL")
        }
        // Blangko around the kecamatan: the ministry's shipments split between kecamatan
        // (allotment), shipments in transit until the receiver counts them (allocations and
        // transfers alike), their numbers; which jobs are first-time applicants; which go
        // by PT Pos, what PT Pos reported, and a returned card's wait for its station; each
        // station's ribbons as its heartbeat says.
        m.registerMigration("v11-shipments") { db in
            try db.execute(
                sql: """
                    CREATE TABLE allotment (
                        id TEXT PRIMARY KEY, kabupatenCode TEXT NOT NULL, quantity INTEGER NOT NULL, document TEXT NOT NULL,
                        createdBy TEXT NOT NULL, createdAt REAL NOT NULL);
                    CREATE TABLE shipment (
                        id TEXT PRIMARY KEY, kind TEXT NOT NULL, allotmentId TEXT REFERENCES allotment(id),
                        fromKecamatan TEXT, fromStationId TEXT, fromSeq INTEGER, toKecamatan TEXT NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0), document TEXT NOT NULL, sentBy TEXT NOT NULL, sentAt REAL NOT NULL,
                        receivedQuantity INTEGER CHECK (receivedQuantity >= 0), receivedBy TEXT, receivedAt REAL, receivedStationId TEXT, reason TEXT,
                        UNIQUE (fromStationId, fromSeq));
                    CREATE INDEX shipment_to ON shipment(toKecamatan, receivedAt);
                    CREATE TABLE documentNumber (series TEXT NOT NULL, year INTEGER NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (series, year));
                    ALTER TABLE job ADD COLUMN pemula INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE job ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE job ADD COLUMN posReturnAt REAL;
                    CREATE INDEX job_posReturn ON job(stationId) WHERE posReturnAt IS NOT NULL;
                    ALTER TABLE station ADD COLUMN ribbonRolls INTEGER;
                    ALTER TABLE station ADD COLUMN ribbonPrints INTEGER;
                    CREATE TABLE posResult (
                        id INTEGER PRIMARY KEY, jobId TEXT NOT NULL REFERENCES job(id), result TEXT NOT NULL, at REAL NOT NULL, note TEXT,
                        recordedBy TEXT NOT NULL, recordedAt REAL NOT NULL);
                    CREATE INDEX posResult_job ON posResult(jobId);
                    """)
        }
        return m
    }
}
