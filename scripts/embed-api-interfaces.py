#!/usr/bin/env python3
"""Writes Sources/ContairdAPI/ContairdInterfaces.swift from docs/api/*.varlink.

docs/api is the source of truth for contaird's varlink interfaces; the daemon serves
them from Swift string literals, so that nothing is read or generated at build or run
time. Run this after editing a file in docs/api; ContairdInterfacesTests fails until
the literals equal the files.
"""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
files = sorted((root / "docs" / "api").glob("io.contaird.*.varlink"))
lines = [
    "// Written by scripts/embed-api-interfaces.py from docs/api/*.varlink: edit those",
    "// files and run the script; a test checks that these literals equal the files.",
    "",
    "/// The definitions of contaird's varlink interfaces, exactly as in docs/api/.",
    "public enum ContairdInterfaces {",
]
names = []
for path in files:
    interface = path.name[: -len(".varlink")]
    member = interface.split(".")[-1].lower()
    names.append((member, interface))
    text = path.read_text()
    assert "\\" not in text and '"""' not in text, path
    lines.append(f"    /// docs/api/{path.name}")
    lines.append(f"    public static let {member} = \"\"\"")
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        lines.append(("        " + line).rstrip())
    if text.endswith("\n"):
        lines.append("")
    lines.append("        \"\"\"")
    lines.append("")
lines.append("    /// Every interface: its name, and its definition's text.")
lines.append("    public static let all: [(name: String, text: String)] = [")
for member, interface in names:
    lines.append(f"        (\"{interface}\", {member}),")
lines.append("    ]")
lines.append("}")
out = root / "Sources" / "ContairdAPI" / "ContairdInterfaces.swift"
out.write_text("\n".join(lines) + "\n")
print(f"wrote {out.relative_to(root)} from {len(files)} files")
