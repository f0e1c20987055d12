#!/usr/bin/env python3
"""Writes the umockdev ioctl scripts the USB tests replay: the printer's side of every
exchange, written out byte for byte from the vendors' documents (not from the drivers).
The USB tests run it into a temporary folder:
    python3 Tests/EKTPUSBTests/Fixtures/make-fixtures.py OUTDIR
(full-size Evolis panels make scripts of several MB, so they are not kept in the tree).
Each OUT line is what the driver must write (umockdev refuses any other bytes); the
indented IN line under it is the printer's reply. Line format (umockdev ioctl tree):
    USBDEVFS_REAPURBNDELAY ret type endpoint status flags buflen actual errcount HEX
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = sys.argv[1] if len(sys.argv) > 1 else HERE
ESC, CR = b"\x1b", b"\r"
BULK, OUT, IN, READ = 3, 1, 0x82, 512  # bulk type, endpoints, driver's read size
ENODEV = -19


URB = 16384  # the driver writes a long command as bulk transfers of 16 KiB, one at a time (LibUSB.swift)


def out(data, status=0):
    if status:  # the first transfer fails; the driver sends nothing more of the command
        chunk = data[:URB]
        return f"USBDEVFS_REAPURBNDELAY 0 {BULK} {OUT} {status} 0 {len(chunk)} 0 0 {chunk.hex().upper()}"
    lines = []
    for i in range(0, max(1, len(data)), URB):
        chunk = data[i:i + URB]
        lines.append(f"USBDEVFS_REAPURBNDELAY 0 {BULK} {OUT} 0 0 {len(chunk)} {len(chunk)} 0 {chunk.hex().upper()}")
    return "\n".join(lines)


def reply(text):
    data = text if isinstance(text, bytes) else text.encode() + CR
    return f" USBDEVFS_REAPURBNDELAY 0 {BULK} {IN} 0 0 {READ} {len(data)} 0 {data.hex().upper()}"


# --- Evolis, as its vendor documents it --------------------------------------------------
# Sources (docs/usb.md cites the pages): Programming Guide A5013 Rev. E (framing p.4, panel
# size p.14, Pem p.20, Se p.42), the Evolis SDK sample CPrinter.vb (job order, status
# reads, reply words), and the Windows driver's capture in dpavlin/Printer-EVOLIS
# test.windows/ (dot order). Written from those, not from the driver's code.
LINES, DOTS = 1016, 648  # guide p.14: always 648 dots by 1016 lines


def evo(text):
    return ESC + text.encode("latin-1") + CR


def evo_answer(text):
    return text.encode()  # bare ASCII, no CR (the SDK compares replies to "OK" exactly)


def guide_card():
    """The test card of UMockdevTests (TestMaterial.guideCard), upright landscape 1016x648."""
    y = lambda x, r: (x * 7 + r * 3) % 256
    m = lambda x, r: (x // 4) % 256
    c = lambda x, r: 0
    k = lambda x, r: (x + 2 * r) % 5 == 0
    o = lambda x, r: True
    return y, m, c, k, o


def panel_colour(f):
    # Line n = the card's column n (left to right); dot d = the card's row DOTS-1-d (the
    # capture's order); 128 levels = the top seven bits of each ink amount, one MSB-first stream.
    bits = "".join(format(f(n, DOTS - 1 - d) >> 1, "07b") for n in range(LINES) for d in range(DOTS))
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def panel_mono(f):
    bits = "".join("1" if f(n, DOTS - 1 - d) else "0" for n in range(LINES) for d in range(DOTS))
    return int(bits, 2).to_bytes(len(bits) // 8, "big")  # 81 bytes a line, 82,296 a panel


def evolis_job():
    y, m, c, k, o = guide_card()
    panels = [("y", 128, panel_colour(y)), ("m", 128, panel_colour(m)), ("c", 128, panel_colour(c)),
              ("k", 2, panel_mono(k)), ("o", 2, panel_mono(o))]
    assert [len(p) for _, _, p in panels] == [576072] * 3 + [82296] * 2
    setup = [evo("Pem;2"), evo("Pr;ymcko"), evo("Ss")]
    downloads = [ESC + f"Db;{p};{lv};".encode() + data + CR for p, lv, data in panels]
    return setup, downloads, evo("Se")


def evolis_status(cover="5,00 Volts", rcr="OK", position="OK", counter=1234, ribbon=250):
    # The SDK's status reads, in host error mode (CDualys.vb status; CPrinter.vb GetStatusPrt).
    return [(evo("Pem;2"), "OK"), (evo("Rse;o"), cover), (evo("Rcr"), rcr), (evo("Rlr;p"), position),
            (evo("Rlr;c"), "OK"), (evo("Rco;l"), str(ribbon)), (evo("Rco;c"), str(counter)), (evo("Pem;0"), "OK")]


def evolis():
    setup, downloads, se = evolis_job()
    ok = lambda cmds: [(b, "OK") for b in cmds]
    x = [(evo("Rtp"), "Evolis Zenius"), (evo("Rsn"), "PRI0123456"), (evo("Rfv"), "1.2.3")]
    x += evolis_status()
    # card 1: printed; the printer gets its error mode back, then the counter is read
    x += evolis_status() + ok(setup + downloads + [se]) + [(evo("Pem;0"), "OK"), (evo("Rco;c"), "1235")]
    # card 2: the cover sensor reads 0 V: no job is sent
    x += evolis_status(cover="0,00 Volts", counter=1235)
    # card 3: the feed finds the hopper empty at the first panel: the sequence is closed
    # (Se, as the SDK does after a failure) and nothing is counted
    x += evolis_status(counter=1235) + ok(setup) + [(downloads[0], "FEEDER EMPTY"), (se, "OK"), (evo("Pem;0"), "OK"), (evo("Rco;c"), "1235")]
    # card 4: the ribbon refused at the start of the sequence
    x += evolis_status(counter=1235) + ok(setup[:2]) + [(setup[2], "ERROR RIBBON"), (evo("Pem;0"), "OK"), (evo("Rco;c"), "1235")]
    # card 5: a jam at Se: spoiled
    x += evolis_status(counter=1235) + ok(setup + downloads) + [(se, "CARD JAM"), (se, "CARD JAM"), (evo("Pem;0"), "OK"), (evo("Rco;c"), "1236")]
    # status: a card inside, then taken out
    x += evolis_status(position="CARD", counter=1236)
    x += evolis_status(counter=1236)
    # card 6: unplugged while the magenta panel goes out
    x += evolis_status(counter=1236) + ok(setup + downloads[:1]) + [(downloads[1], None)]
    lines = ["@DEV /dev/bus/usb/001/005"]
    for data, answer in x:
        if answer is None:
            lines.append(out(data, ENODEV))
        else:
            lines.append(out(data))
            lines.append(reply(evo_answer(answer)))
    return "\n".join(lines) + "\n"


def evolis_idle(cycles=600):
    # A printer that is only ever asked its state: ektpd's hot-plug test adds it and polls it.
    x = [(evo("Rsn"), "PRI0123456")]
    for _ in range(cycles):
        x += evolis_status()
    lines = ["@DEV /dev/bus/usb/001/005"]
    for data, answer in x:
        lines.append(out(data))
        lines.append(reply(evo_answer(answer)))
    return "\n".join(lines) + "\n"


def evolis_no_serial():
    # No serial in sysfs nor a readable string descriptor: the driver asks the printer (Rsn).
    x = [(evo("Rsn"), "PRI0123456")] + evolis_status()
    lines = ["@DEV /dev/bus/usb/001/005"]
    for data, answer in x:
        lines.append(out(data))
        lines.append(reply(evo_answer(answer)))
    return "\n".join(lines) + "\n"


# --- Magicard, as its own software writes it ------------------------------------------
# Sources (docs/usb.md cites them): the capture of Magicard's Linux filter's output in
# pc-coholic/magicardppd (tools-and-traces/magicard.prn, offsets below), the filter's
# source rastertoultra.c, and Magicard's "File format for the Magicard Enduro/Pronto
# printers". Written from those, not from the driver's code.
MC_WID, MC_HGT = 1016, 642
TDT = 0x5362BAB5  # the umockdev child's fixed clock (the capture's own TDT, offset 98)


def mc_request(command):
    return b"\x01," + f"REQ,{command},".encode() + b"\x1c\x03"  # capture offsets 0-11


def mc_inf(total, major=0, minor=0, serial="MC0042", firmware="1.2.3", shots=1500, used=300):
    # Document Fig. 9-10: SOH, STA$$, positional fields separated by commas, comma, ETX.
    f = ["0"] * 35
    f[1], f[3], f[6], f[9], f[16] = "Magicard Enduro", serial, firmware, str(total), "50"
    f[19], f[20], f[22], f[23] = str(major), str(minor), str(shots), str(used)
    return b"\x01STA$$" + ",".join(f).encode() + b",\x03"


def mc_job():
    # One black dot at the card's (1015, 320): the capture's layout puts it in byte 97452 of
    # the K plane as 0x40 (KGE head, Enduro bit order). K-only ink on a YMCKO ribbon: the
    # image format names the ribbon (IMFBGRK, as the Windows driver's capture does), and
    # only the plane with ink is sent (rastertoultra.c SetDataSize).
    k = bytearray(96 * MC_WID)
    k[97452] = 0x40
    fields = ["NOC1", "VER1.0-1.2.3", "LANENG", f"TDT{TDT:X}", "LC1", "KGE2", "DPXOFF", "PAG1", "IMFBGRK", "XCO0", "YCO0",
              f"WID{MC_WID}", f"HGT{MC_HGT}", "OVRON", "NNNOFF", "USFOFF", f"PCT0,0,{MC_WID - 1},{MC_HGT - 1}", "ICC3", "CPW50", "DDD50",
              f"SZK{len(k)}"]
    return b"\x05" * 64 + b"\x01," + ",".join(fields).encode() + b"\x1c" + bytes(k) + b"\x1cK:" + b"\x03"


def magicard():
    inf = mc_request("INF")
    x = [(inf, mc_inf(500)),                                                 # status
         (inf, mc_inf(500)), (mc_job(), None), (inf, mc_inf(501, used=305)),   # card printed
         (inf, mc_inf(501, used=305)), (mc_job(), None), (inf, mc_inf(501, 11, 1, used=305))]  # card not fed
    lines = ["@DEV /dev/bus/usb/001/007"]
    for data, answer in x:
        lines.append(out(data))
        if answer is not None:
            lines.append(reply(answer))
    return "\n".join(lines) + "\n"


for name, text in [("evolis-no-serial.ioctl", evolis_no_serial()), ("evolis.ioctl", evolis()), ("magicard.ioctl", magicard()),
                   ("evolis-idle.ioctl", evolis_idle())]:
    with open(os.path.join(OUTDIR, name), "w") as f:
        f.write(text)
