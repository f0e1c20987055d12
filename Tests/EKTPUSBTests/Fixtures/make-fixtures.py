#!/usr/bin/env python3
"""Writes the umockdev ioctl scripts the USB tests replay: the printer's side of every
exchange, written out byte for byte. Run it after changing a scenario:
    python3 Tests/EKTPUSBTests/Fixtures/make-fixtures.py
Each OUT line is what the driver must write (umockdev refuses any other bytes); the
indented IN line under it is the printer's reply. Line format (umockdev ioctl tree):
    USBDEVFS_REAPURBNDELAY ret type endpoint status flags buflen actual errcount HEX
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ESC, CR = b"\x1b", b"\r"
BULK, OUT, IN, READ = 3, 1, 0x82, 512  # bulk type, endpoints, driver's read size
ENODEV = -19
W, H = 8, 2  # the tiny test panel (profile "evolis-test" / "magicard-test")


def out(data, status=0):
    actual = 0 if status else len(data)
    return f"USBDEVFS_REAPURBNDELAY 0 {BULK} {OUT} {status} 0 {len(data)} {actual} 0 {data.hex().upper()}"


def reply(text):
    data = text if isinstance(text, bytes) else text.encode() + CR
    return f" USBDEVFS_REAPURBNDELAY 0 {BULK} {IN} 0 0 {READ} {len(data)} 0 {data.hex().upper()}"


def cmd(name, *params):
    return ESC + ";".join((name,) + params).encode() + CR


def pack7(values):
    bits = "".join(format(v >> 1, "07b") for v in values)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


# The test card (same values as UMockdevTests.card): yellow ramps, magenta full, cyan
# empty, black a checker, overlay everywhere.
Y = [i * 16 for i in range(W * H)]
M = [0xFE] * (W * H)
C = [0x00] * (W * H)
K = bytes([0xAA, 0x55])
O = bytes([0xFF, 0xFF])


def db(panel, levels, data):
    return ESC + f"Db;{panel};{levels};".encode() + data + CR


JOB = [cmd("Ss"), cmd("Pr", "ymcko"), cmd("Sr"), db("y", 128, pack7(Y)), db("m", 128, pack7(M)),
       db("c", 128, pack7(C)), db("k", 2, K), db("o", 2, O), cmd("Se")]


def state(rse, counter, ribbon=250):
    return [(cmd("Rse"), rse), (cmd("Rlr"), str(ribbon)), (cmd("Rcr"), "300"), (cmd("Rco", "c"), str(counter))]


def evolis():
    x = []
    # identify
    x += [(cmd("Rtp"), "Primacy 2"), (cmd("Rsn"), "PRI0123456"), (cmd("Rfv"), "1.2.3")]
    # status
    x += state("READY", 1234)
    # card 1: printed
    x += state("READY", 1234) + [(c, "OK") for c in JOB] + [(cmd("Rse"), "BUSY"), (cmd("Rse"), "READY"), (cmd("Rco", "c"), "1235")]
    # card 2: cover open at the status check
    x += state("ERR COVER OPEN", 1235)
    # card 3: the hopper found empty at Ss
    x += state("READY", 1235) + [(cmd("Ss"), "ERR FEEDER EMPTY")]
    # card 4: the ribbon ends at Ss
    x += state("READY", 1235) + [(cmd("Ss"), "ERR RIBBON END")]
    # card 5: a jam after Se
    x += state("READY", 1235) + [(c, "OK") for c in JOB] + [(cmd("Rse"), "ERR JAM"), (cmd("Rco", "c"), "1236")]
    # status: jammed, then the operator clears it
    x += state("ERR JAM", 1236)
    x += state("READY", 1236)
    # card 6: unplugged while the yellow panel goes out
    x += state("READY", 1236) + [(JOB[0], "OK"), (JOB[1], "OK"), (JOB[2], "OK"), (JOB[3], None)]
    # Back: the driver re-enumerates, finds the printer by serial and opens it again.
    # umockdev replays a freshly opened device node from the top of the script, so the
    # replugged printer answers with the first status above (counter 1234).
    lines = ["@DEV /dev/bus/usb/001/005"]
    for data, answer in x:
        if answer is None:
            lines.append(out(data, ENODEV))
        else:
            lines.append(out(data))
            lines.append(reply(answer))
    return "\n".join(lines) + "\n"


def frame(fields):
    return b"\x05" * 64 + b"\x01" + ",".join(fields).encode() + b"\x1c\x03"


def sta(state, tcq, dfr=1200):
    return b"\x01" + f"STA,{state},TCQ,{tcq},DFR,{dfr},MSR,MC0042".encode() + b"\x1c\x03"


def magicard():
    status = frame(["REQ", "STA"])
    header = ",".join(["IMF,YMCK", f"SZB{W*H}", f"SZG{W*H}", f"SZR{W*H}", f"SZK{len(K)}", f"HGT{H}", f"WID{W}", "LC1", "OVRON"])
    job = b"\x05" * 64 + b"\x01" + header.encode() + b"\x1c" + bytes(Y) + bytes(M) + bytes(C) + K + b"\x1c\x03"
    x = [(status, sta("READY", 500)),                       # status
         (status, sta("READY", 500)), (job, None), (status, sta("BUSY", 500)), (status, sta("READY", 501, 1195)),  # card printed
         (status, sta("FEEDER EMPTY", 501))]                 # card refused
    lines = ["@DEV /dev/bus/usb/001/007"]
    for data, answer in x:
        lines.append(out(data))
        if answer is not None:
            lines.append(reply(answer))
    return "\n".join(lines) + "\n"


def evolis_no_serial():
    # A printer whose serial is in neither sysfs nor a readable string descriptor: the
    # driver asks the printer itself (Rsn), then talks to it.
    x = [(cmd("Rsn"), "PRI0123456")] + state("READY", 1234)
    lines = ["@DEV /dev/bus/usb/001/005"]
    for data, answer in x:
        lines.append(out(data))
        lines.append(reply(answer))
    return "\n".join(lines) + "\n"


with open(os.path.join(HERE, "evolis-no-serial.ioctl"), "w") as f:
    f.write(evolis_no_serial())
with open(os.path.join(HERE, "evolis.ioctl"), "w") as f:
    f.write(evolis())
with open(os.path.join(HERE, "magicard.ioctl"), "w") as f:
    f.write(magicard())
