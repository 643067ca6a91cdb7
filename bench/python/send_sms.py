#!/usr/bin/env python3
"""Send one templated SMS per row of an Excel workbook through the OpenTech HTTP API.

This is the benchmark's comparison point for smsmerge: the script a competent office
developer would write instead of using smsmerge. It is deliberately "the usual script":
openpyxl (read-only) to read, a requests.Session shared by a ThreadPoolExecutor to send,
openpyxl (write-only) to write the results. It is meant to be reasonably efficient, not
artificially slow, and it has none of smsmerge's journal, retries or resume.

Input: first sheet, row 1 is the header, columns Phone, Name, Amount, Message, where
Message is a per-row template with {{Column}} placeholders.
Output: the original columns plus Status (SENT, FAILED, INVALID or, with --dry-run, READY),
Detail, and the recipient and text that were sent (what anyone checking a send afterwards
needs), in row order.

    python3 send_sms.py BOOK -o RESULTS.xlsx [--dry-run] [--base-url URL] [-j N]
        [--uid U --username U --password P] [--sender ID]
"""

import argparse
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import requests
from requests.adapters import HTTPAdapter

SEND_PATH = "/ap/static/api/sms_send_bulk.php"
ERROR_TEXTS = {
    "Invalid credential!",
    "Invalid customer!",
    "Invalid Sender or not activated yet!",
    "The Username wasn't found in our system or the password provided was wrong!",
}
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
PHONE_JUNK = re.compile(r"[\s\-()]")
# GSM 03.38 default alphabet (without the escape code) plus its extension table.
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "\f^{}\\[~]|€"
)


def cell_text(value):
    """A cell as text: None is "", whole numbers lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def normalize_phone(value):
    """Digits, country code first, or None when it is not a phone number."""
    phone = PHONE_JUNK.sub("", cell_text(value))
    if phone.startswith("+"):
        phone = phone[1:]
    elif phone.startswith("00"):
        phone = phone[2:]
    if phone.isascii() and phone.isdigit() and 8 <= len(phone) <= 15:
        return phone
    return None


def prepare(row, columns):
    """(recipient, text) for a row, or raise ValueError saying why it is invalid."""
    template = cell_text(row[columns["Message"]])
    if not template.strip():
        raise ValueError("empty Message")

    def substitute(match):
        name = match.group(1)
        if name not in columns:
            raise ValueError(f"unknown column {{{{{name}}}}}")
        value = cell_text(row[columns[name]])
        if not value.strip():
            raise ValueError(f"empty value for {{{{{name}}}}}")
        return value

    text = PLACEHOLDER.sub(substitute, template)
    recipient = normalize_phone(row[columns["Phone"]])
    if recipient is None:
        raise ValueError(f"bad phone number {cell_text(row[columns['Phone']])!r}")
    return recipient, text


def make_sender(args):
    """A function sending one (recipient, text) and returning (status, detail)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=args.jobs, pool_maxsize=args.jobs)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    url = args.base_url.rstrip("/") + SEND_PATH
    common = {"uid": args.uid, "username": args.username,
              "password": args.password, "sender": args.sender}

    def send(job):
        recipient, text = job
        params = dict(common, recipient=recipient)
        if all(c in GSM7 for c in text):
            params["msg"] = text
        else:
            params["dcs"] = "1"
            params["msg"] = text.encode("utf-16-be").hex().upper()
        try:
            response = session.get(url, params=params, timeout=30)
        except requests.RequestException as exc:
            return "FAILED", str(exc)
        body = response.text.strip()
        if not response.ok:
            return "FAILED", f"HTTP {response.status_code}: {body}"
        if body in ERROR_TEXTS:
            return "FAILED", body
        return "SENT", body

    return send


def main():
    parser = argparse.ArgumentParser(description="Send one SMS per row of a workbook.")
    parser.add_argument("book")
    parser.add_argument("-o", "--output", required=True, help="results workbook")
    parser.add_argument("--dry-run", action="store_true", help="check rows, send nothing")
    parser.add_argument("--base-url", default="http://127.0.0.1:8080")
    parser.add_argument("-j", "--jobs", type=int, default=64, help="parallel requests")
    parser.add_argument("--uid", default="1000")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--sender", default="OTSMS")
    args = parser.parse_args()
    started = time.perf_counter()

    book = openpyxl.load_workbook(args.book, read_only=True, data_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = [cell_text(h).strip() for h in next(rows, ())]
    columns = {name: i for i, name in enumerate(header) if name}
    missing = {"Phone", "Message"} - columns.keys()
    if missing:
        sys.exit(f"{args.book}: missing column(s) {', '.join(sorted(missing))}")
    width = len(header)
    data = []
    for row in rows:
        if any(v is not None for v in row):
            data.append(tuple(row[:width]) + (None,) * (width - len(row)))
    book.close()

    results = [None] * len(data)
    # What was (or would be) sent, kept for the results: the number and the rendered text.
    prepared = [("", "")] * len(data)
    jobs, job_rows = [], []
    for i, row in enumerate(data):
        try:
            job = prepare(row, columns)
        except ValueError as exc:
            results[i] = ("INVALID", str(exc))
            continue
        prepared[i] = job
        if args.dry_run:
            results[i] = ("READY", "")
        else:
            jobs.append(job)
            job_rows.append(i)

    if jobs:
        with ThreadPoolExecutor(max_workers=args.jobs) as executor:
            for i, result in zip(job_rows, executor.map(make_sender(args), jobs)):
                results[i] = result

    out = openpyxl.Workbook(write_only=True)
    sheet = out.create_sheet("Results")
    sheet.append(header + ["Status", "Detail", "Recipient", "Sent text"])
    for row, (status, detail), (recipient, text) in zip(data, results, prepared):
        sheet.append(list(row) + [status, detail, recipient, text])
    out.save(args.output)

    counts = {s: 0 for s in ("SENT", "FAILED", "INVALID", "READY")}
    for status, _ in results:
        counts[status] += 1
    elapsed = time.perf_counter() - started
    if args.dry_run:
        print(f"ready {counts['READY']}, invalid {counts['INVALID']} in {elapsed:.2f} s")
    else:
        print(f"sent {counts['SENT']}, failed {counts['FAILED']}, "
              f"invalid {counts['INVALID']} in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
