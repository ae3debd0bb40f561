#!/usr/bin/env python3
"""Writes Lector's sample contracts as PDFs into a folder (standard library and pdftoppm only).

The contracts are fictitious and written for this project. The last page of the services agreement is
turned into a scan: an image-only page with no text layer, which the pipeline must send as an image.
"""
import os
import subprocess
import sys
import tempfile
import textwrap
import zlib

CONTRACTS = {
    "mutual-nda-northwind-harbor.pdf": (
        "MUTUAL NON-DISCLOSURE AGREEMENT",
        """This Mutual Non-Disclosure Agreement (the "Agreement") is entered into as of 3 March 2025 (the "Effective Date") by and between Northwind Analytics Ltd, a company registered in England and Wales ("Northwind"), and Harbor Freight Logistics GmbH, a company organised under the laws of Germany ("Harbor").

1. Purpose. The parties wish to evaluate a possible logistics data partnership (the "Purpose") and may disclose Confidential Information to each other for the Purpose only.

2. Confidential Information. "Confidential Information" means all non-public business, technical and financial information disclosed by either party, whether in writing, orally or by inspection, that is marked confidential or would reasonably be understood to be confidential.

3. Obligations. The receiving party shall keep Confidential Information secret, use it only for the Purpose, and disclose it only to its employees and advisers who need to know it and are bound by obligations no less protective than this Agreement.

4. Term. This Agreement commences on the Effective Date and continues for a period of two (2) years. The obligations of confidentiality survive for three (3) years after expiry or termination.

5. Termination. Either party may terminate this Agreement by giving thirty (30) days' written notice to the other party.

6. Personal Data. Where Confidential Information includes personal data, each party shall process it in accordance with the General Data Protection Regulation (EU) 2016/679 and shall not transfer it outside the European Economic Area without appropriate safeguards.

7. Liability. Neither party's aggregate liability under this Agreement shall exceed EUR 250,000, except for liability for breach of clause 3.

8. Governing Law. This Agreement is governed by the laws of England and Wales, and the courts of London have exclusive jurisdiction.

Signed for Northwind Analytics Ltd by Amelia Price, Director.
Signed for Harbor Freight Logistics GmbH by Jonas Weber, Geschaeftsfuehrer.""",
    ),
    "services-agreement-meridian-cloud.pdf": (
        "MASTER SERVICES AGREEMENT",
        """This Master Services Agreement (the "Agreement") is made on 15 January 2024 (the "Effective Date") between Meridian Health Partners Inc., a Delaware corporation (the "Customer"), and Cloudline Systems LLC, a New York limited liability company (the "Provider").

1. Services. The Provider shall provide hosted document-management services as described in each Statement of Work. The Provider shall meet the service levels in Schedule 2.

2. Fees. The Customer shall pay the fees set out in each Statement of Work. The total fees for the initial term are USD 480,000, payable quarterly in advance. Invoices are due within thirty (30) days.

3. Term and Renewal. The initial term is three (3) years from the Effective Date. Thereafter this Agreement renews automatically for successive one (1) year terms unless either party gives notice of non-renewal at least ninety (90) days before the end of the then-current term.

4. Exclusivity. During the term the Customer shall not engage any other provider for hosted document-management services in the United States.

5. Change of Control. Either party may terminate this Agreement on written notice if the other party undergoes a change of control, including a merger or the sale of all or substantially all of its assets.

6. Assignment. Neither party may assign this Agreement without the prior written consent of the other party, such consent not to be unreasonably withheld.

7. Limitation of Liability. Except for breach of confidentiality or indemnification obligations, each party's total liability shall not exceed the fees paid by the Customer in the twelve (12) months preceding the claim.

8. Audit. The Customer may audit the Provider's compliance with this Agreement once per calendar year on thirty (30) days' notice.

9. Insurance. The Provider shall maintain professional liability insurance of at least USD 5,000,000 per claim.

10. Data Protection. The Provider shall process personal data only on the Customer's documented instructions and shall not transfer personal data outside the United States.

11. Governing Law. This Agreement is governed by the laws of the State of New York.""",
    ),
    "software-licence-orbital.pdf": (
        "SOFTWARE LICENCE AGREEMENT",
        """This Software Licence Agreement is entered into on 1 July 2025 between Orbital Mapping SAS, a French societe par actions simplifiee ("Licensor"), and Baltic Ports Authority, a public body of Latvia ("Licensee").

1. Licence Grant. Licensor grants Licensee a non-exclusive, non-transferable licence to use the Orbital Harbour Planner software for internal purposes at up to four (4) port sites.

2. Restrictions. Licensee shall not sublicense, reverse engineer or modify the software, except as permitted by mandatory law.

3. Fees. Licensee shall pay an annual licence fee of EUR 36,000. Licensor may increase the fee once per year by no more than the change in the Eurostat HICP index.

4. Term. This Agreement has an initial term of one (1) year and renews automatically for further one (1) year periods unless terminated by either party on sixty (60) days' notice before the renewal date.

5. Intellectual Property. All intellectual property rights in the software remain with Licensor. Improvements suggested by Licensee may be incorporated by Licensor without charge.

6. Warranty. Licensor warrants that the software will perform materially in accordance with its documentation for ninety (90) days from delivery.

7. Liability Cap. Licensor's total liability is limited to the fees paid in the preceding twelve (12) months.

8. Governing Law. This Agreement is governed by the laws of France; disputes are submitted to the courts of Paris.""",
    ),
}


def pdf_bytes(pages):
    """pages: list of ('text', [lines]) or ('image', (width, height, gray_bytes))."""
    objects = []

    def add(body):
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = len(objects) + 1
    objects.append(None)  # the page tree, filled in below
    kids = []
    for kind, payload in pages:
        if kind == "text":
            ops = ["BT", "/F1 10.5 Tf", "13 TL", "60 790 Td"]
            for line in payload:
                escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                ops.append("(%s) Tj T*" % escaped)
            ops.append("ET")
            stream = "\n".join(ops).encode("cp1252", "replace")
            resources = b"<< /Font << /F1 %d 0 R >> >>" % font
        else:
            width, height, gray = payload
            data = zlib.compress(gray)
            image = add(
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(data))
                + data + b"\nendstream")
            stream = b"q 595 0 0 842 0 0 cm /Scan Do Q"
            resources = b"<< /XObject << /Scan %d 0 R >> >>" % image
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources %s /Contents %d 0 R >>"
            % (pages_id, resources, content)))
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


def text_pages(title, body, lines_per_page=55):
    lines = [title, ""]
    for paragraph in body.split("\n\n"):
        lines += textwrap.wrap(paragraph, 95) + [""]
    return [("text", lines[i:i + lines_per_page]) for i in range(0, len(lines), lines_per_page)]


def scan_of(page):
    """Renders a text page with pdftoppm and returns it as an image-only page (a 'scan')."""
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "page.pdf")
        with open(source, "wb") as f:
            f.write(pdf_bytes([page]))
        subprocess.run(["pdftoppm", "-r", "110", "-gray", source, os.path.join(tmp, "scan")], check=True)
        name = next(n for n in os.listdir(tmp) if n.endswith(".pgm"))
        with open(os.path.join(tmp, name), "rb") as f:
            data = f.read()
    # Binary PGM: "P5\n<w> <h>\n<max>\n" then bytes.
    parts = data.split(b"\n", 3)
    width, height = (int(v) for v in parts[1].split())
    return ("image", (width, height, parts[3][: width * height]))


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "samples"
    os.makedirs(folder, exist_ok=True)
    for name, (title, body) in CONTRACTS.items():
        pages = text_pages(title, body, lines_per_page=40 if name.startswith("services") else 55)
        if name.startswith("services"):
            signature = ("text", ["SIGNATURES", "", "For Meridian Health Partners Inc.: Dana Whitfield, Chief Operating Officer",
                                  "Date: 15 January 2024", "", "For Cloudline Systems LLC: Marcus Lee, Managing Member",
                                  "Date: 15 January 2024"])
            pages.append(scan_of(signature))
        with open(os.path.join(folder, name), "wb") as f:
            f.write(pdf_bytes(pages))
        print(os.path.join(folder, name))


if __name__ == "__main__":
    main()
