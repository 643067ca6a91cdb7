#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with starting inputs (the corpus is not kept in git):
#   workbook:  the fixtures under 64 KiB, each zip fixture again with its entries stored
#              (so that mutations reach the XML and records), and a few CSV files;
#   zip_parts: the main parts of the xlsx skeleton and the xlsb/ods fixtures;
#   template, phone, sms: a few typical texts.
# Needs python3 (standard library only). Usage: fuzz/seed.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fixtures="$here/../tests/fixtures"
corpus="$here/corpus"
mkdir -p "$corpus"/{workbook,zip_parts,template,phone,sms}

python3 - "$fixtures" "$corpus" <<'PY'
import os, sys, zipfile, io
fixtures, corpus = sys.argv[1], sys.argv[2]
wb = os.path.join(corpus, "workbook")
limit = 64 * 1024
for name in sorted(os.listdir(fixtures)):
    path = os.path.join(fixtures, name)
    if name.split(".")[-1] not in ("xlsx", "xlsm", "xls", "xlsb", "ods"):
        continue
    data = open(path, "rb").read()
    if len(data) <= limit:
        open(os.path.join(wb, name), "wb").write(data)
    if zipfile.is_zipfile(path):
        out = io.BytesIO()
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                # Thumbnails and themes only make the seed big.
                if info.filename.endswith((".png", "theme1.xml")):
                    continue
                dst.writestr(info.filename, src.read(info.filename))
        if out.tell() <= limit:
            open(os.path.join(wb, "stored-" + name), "wb").write(out.getvalue())
csvs = {
    "comma.csv": b"\xef\xbb\xbfPhone,Name\r\n+9613123456,Ali\r\n\r\n03 123 456,\"S, am\"\r\n",
    "semicolon.csv": b"sep=;\nPhone;Name\n0096170123456;\xd8\xb9\xd9\x84\xd9\x8a\n",
    "quoted.csv": b"Phone,Note\n\"+961 3 123456\",\"two\nlines\"\n",
}
for name, data in csvs.items():
    open(os.path.join(wb, name), "wb").write(data)

# zip_parts: a format byte (0 xlsx, 1 xlsb, 2 ods), then parts separated by ####.
zp = os.path.join(corpus, "zip_parts")
sep = b"####"
xlsx = [
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:B3"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c r="A2"><v>9613123456</v></c><c r="B2" t="s"><v>1</v></c></row><row r="3"><c r="A3" t="str"><f>A2</f><v>9613123456</v></c><c r="B3" t="e"><v>#N/A</v></c></row></sheetData></worksheet>',
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Phone</t></si><si><r><t>A</t></r><r><t>li_x000D_</t></r></si></sst>',
]
open(os.path.join(zp, "xlsx"), "wb").write(b"\x00" + sep.join(xlsx))
def parts(fixture, names):
    with zipfile.ZipFile(os.path.join(fixtures, fixture)) as z:
        return sep.join(z.read(n) for n in names)
open(os.path.join(zp, "xlsb"), "wb").write(b"\x01" + parts("contacts.xlsb", ["xl/worksheets/sheet1.bin", "xl/sharedStrings.bin", "xl/workbook.bin", "xl/styles.bin"]))
open(os.path.join(zp, "ods"), "wb").write(b"\x02" + parts("contacts.ods", ["content.xml"]))

texts = {
    "template": ["Dear {{First Name}}, pay {{Amount|0}} by {{Due}}.", "{{الاسم}} {{a|b|c}}", "}}{{", "{{ Name |  friend }}"],
    "phone": ["+961 3 123 456", "03-123456", "00961 (0)3 123456", "\u0669\u0666\u0661\u0663\u0661\u0662\u0663\u0664\u0665\u0666", "9.61312E+09", "03123456 / 71123456", "9613123456.0"],
    "sms": ["Hello {name} \u20ac [ok]", "\u0645\u0631\u062d\u0628\u0627 \U0001F600", "a" * 161, "\u20ac" * 81],
}
for target, items in texts.items():
    for i, t in enumerate(items):
        open(os.path.join(corpus, target, f"seed-{i}"), "wb").write(t.encode())
PY
echo "corpus seeded in $corpus"
ls "$corpus"/* | head -50
