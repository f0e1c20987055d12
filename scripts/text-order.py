#!/usr/bin/env python3
"""A daemon's text order: which input sections the linker puts first (ektpd's start-up and
idle code, ektp-hub's serving code).

An idle ektpd runs a few MiB of its 30 MiB of code, but scattered over the whole text, and
every page it touches maps 64 KiB around it (the kernel's fault-around) and reads ahead
more: the binary's resident text was three times the code run. Built with one section per
function (-function-sections), the linker can gather the sections run at start-up and idle
into one output section, `.text.idle`, at the front of the text; the rest is never read.
The hub is the same story under load: what it runs serving stations is a fraction of its
text, scattered.

The order is a list of input sections, one per line: `OBJECT<TAB>SECTION`, where OBJECT is
`build:<path under the build's bin folder>`, `swift_static:<archive>:<member>` (the Swift
runtime's static libraries), or an absolute path. Sections that no longer exist (code
changed since the list was made) are simply not found: the order then helps less, and
nothing else changes.

    text-order.py seed MAP BINARY CALLGRIND-OUT LIST   functions valgrind saw run
    text-order.py add MAP BINARY PROFILE LIST          sections at the profile's faults
    text-order.py script LIST BIN-DIR SWIFT-STATIC-DIR the linker script (stdout)
    text-order.py check MAP LIST PRODUCT               how much of LIST the link found

MAP is lld's -Map output for BINARY; PROFILE is scripts/startup-profile.c's log (file
offsets of the exact first-touch address of each text page).
"""
import bisect
import os
import re
import subprocess
import sys


def text_sections(map_path, output=".text"):
    """(address, size, object, section) of every input section in the output sections whose
    names start with `output` (all the text by default), sorted."""
    sections, in_text = [], False
    for line in open(map_path):
        fields = line.split(None, 5)
        if len(fields) == 5 and fields[4].startswith("."):
            in_text = fields[4].strip().startswith(output)
            continue
        if in_text and len(fields) == 5 and ":(" in fields[4]:
            obj, section = fields[4].strip().rsplit(":(", 1)
            sections.append((int(fields[0], 16), int(fields[2], 16), portable(obj), section[:-1]))
    sections.sort()
    return sections


def portable(obj):
    """The map's object name as the list spells it (independent of where things were built)."""
    member = re.match(r"^(.*\.a)\((.*)\)$", obj)
    if member:
        obj = member.group(1) + ":" + member.group(2)
    static = re.match(r"^.*/swift_static/linux/(.*)$", obj)
    if static:
        return "swift_static:" + static.group(1)
    build = re.match(r"^.*/(?:release|debug)/([^/]+\.build/.*)$", obj)
    if build:
        return "build:" + build.group(1)
    return obj


class Locator:
    def __init__(self, map_path):
        self.sections = text_sections(map_path)
        self.starts = [s[0] for s in self.sections]

    def at(self, address):
        i = bisect.bisect_right(self.starts, address) - 1
        if i >= 0:
            start, size, obj, section = self.sections[i]
            if start <= address < start + max(size, 1):
                return (obj, section)
        return None


def text_file_to_address(binary):
    """File offset → address for the executable segment (readelf -l)."""
    for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        if fields and fields[0] == "LOAD" and "E" in fields[-2]:
            return int(fields[2], 16) - int(fields[1], 16)
    sys.exit(f"{binary}: no executable segment")


def read_list(path):
    try:
        return [tuple(line.rstrip("\n").split("\t")) for line in open(path) if "\t" in line]
    except FileNotFoundError:
        return []


def write_list(path, order):
    with open(path, "w") as out:
        out.writelines(f"{obj}\t{section}\n" for obj, section in order)


def extend(order, found):
    seen, added = set(order), 0
    for key in found:
        if key and key not in seen:
            seen.add(key)
            order.append(key)
            added += 1
    return added


def seed(map_path, binary, callgrind, list_path):
    """Every function of the executable that callgrind counted, in the order it lists them."""
    locate = Locator(map_path)
    address = {}
    for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "tTwW":
            address.setdefault(fields[2], int(fields[0], 16))
    names, current, found = {}, "", []
    pattern = re.compile(r"^(ob|cob|fn|cfn)=\((\d+)\)(?: (.*))?$")
    for line in open(callgrind):
        match = pattern.match(line.rstrip("\n"))
        if not match:
            continue
        kind, number, name = match.groups()
        key = ("ob" if kind.endswith("ob") else "fn") + number
        if name:
            names[key] = name
        if kind == "ob":
            current = names.get(key, "")
        elif kind == "fn" and program(current) == program(binary):
            function = re.sub(r"'\d+$", "", names[key])  # callgrind marks recursion levels
            at = int(function, 16) if function.startswith("0x") else address.get(function)
            if at is not None:
                found.append(locate.at(at))
    order = []
    extend(order, found)
    write_list(list_path, order)
    print(f"{len(order)} sections", file=sys.stderr)


def program(path):
    """`ektpd` for .../ektpd and for the stripped copy .../ektpd.callgrind."""
    return os.path.basename(path).split(".")[0]


def add(map_path, binary, profile, list_path):
    """The sections holding each logged first touch, after the ones already listed."""
    locate = Locator(map_path)
    delta = text_file_to_address(binary)
    order = read_list(list_path)
    added = extend(order, (locate.at(int(line, 16) + delta) for line in open(profile) if line.strip()))
    write_list(list_path, order)
    print(f"{len(order)} sections ({added} new)", file=sys.stderr)
    return added


def script(list_path, bin_dir, swift_static):
    """The linker script: the listed sections first, in `.text.idle`, before `.text`."""
    print(f"/* Generated by scripts/text-order.py from {list_path}. */")
    print("SECTIONS {\n  .text.idle : {")
    for obj, section in read_list(list_path):
        if obj.startswith("build:"):
            obj = f"{bin_dir}/{obj[6:]}"
        elif obj.startswith("swift_static:"):
            obj = f"{swift_static}/{obj[13:]}"
        print(f'    "{obj}"("{section}")')
    print("  }\n}\nINSERT BEFORE .text;")


def check(map_path, list_path, product):
    """One line on how much of the list the link put first; a warning when the code has
    moved on; an error when the order was not applied at all."""
    sections = text_sections(map_path, ".text.idle")
    present = {(obj, section): size for _, size, obj, section in sections}
    listed = read_list(list_path)
    found = [key for key in listed if key in present]
    size = sum(present[key] for key in found)
    print(f"{product}: {len(found):,} of {len(listed):,} listed sections first ({size / 2**20:.1f} MiB of the code it runs)")
    if listed and not found:
        sys.exit(f"error: no section of {list_path} is in {product}'s .text.idle: the order was not applied")
    if listed and len(found) < 0.8 * len(listed):
        print(f"warning: {list_path} no longer matches the code; run scripts/startup-order.sh {product}")


if __name__ == "__main__":
    command, arguments = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "seed" and len(arguments) == 4:
        seed(*arguments)
    elif command == "add" and len(arguments) == 4:
        add(*arguments)
    elif command == "script" and len(arguments) == 3:
        script(*arguments)
    elif command == "check" and len(arguments) == 3:
        check(*arguments)
    else:
        sys.exit(__doc__)
