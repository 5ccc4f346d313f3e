#!/usr/bin/env bash
# A visual check of the SVG pictures, outside CI (CI does not run this: it needs a browser).
#
#   Tests/Visual/render-svg.sh picture.svg [picture.png]
#
# Renders an SVG with headless Chromium (Debian: apt-get install -y chromium) to a PNG of the
# picture's own size and checks that the screenshot is not blank: it fails unless at least
# 0.5% of the pixels are not white. Look at the PNG yourself for the rest (labels inside their
# boxes, arrows, legend). With no arguments it makes the three pictures first, in a temporary
# folder — the digits objective (backprop graph --output), the training curves (backprop train
# --plot) and the 2-layer LSTM of Tests/AutodiffTests/GraphSVGTests.swift (BACKPROP_SVG_DIR) —
# and renders each.
set -euo pipefail
cd "$(dirname "$0")/../.."

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "render-svg.sh: no Chromium found (Debian: apt-get install -y chromium)" >&2
    exit 1
fi

render() {
    local svg=$1 png=$2
    # The picture's size, from the root element's width and height attributes.
    read -r width height < <(python3 - "$svg" <<'PY'
import re, sys
head = open(sys.argv[1], encoding="utf-8").read(2000)
m = re.search(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', head)
if not m:
    sys.exit("render-svg.sh: %s has no width and height on <svg>" % sys.argv[1])
print(min(int(float(m.group(1)) + 0.999), 16000), min(int(float(m.group(2)) + 0.999), 16000))
PY
)
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
        --window-size="$width,$height" --screenshot="$png" "file://$(realpath "$svg")" >/dev/null 2>&1
    python3 - "$png" <<'PY'
import struct, sys, zlib
# A PNG reader in the standard library (8-bit RGB or RGBA, the five filters), to count pixels.
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
assert depth == 8 and colour in (2, 6), "unsupported PNG (depth %d, colour type %d)" % (depth, colour)
channels = 3 if colour == 2 else 4
raw, stride = zlib.decompress(idat), width * channels
previous, inked, i = bytearray(stride), 0, 0
for _ in range(height):
    kind, row = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = row[x - channels] if x >= channels else 0
        b = previous[x]
        c = previous[x - channels] if x >= channels else 0
        if kind == 1: row[x] = (row[x] + a) & 255
        elif kind == 2: row[x] = (row[x] + b) & 255
        elif kind == 3: row[x] = (row[x] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    inked += sum(1 for x in range(0, stride, channels) if min(row[x:x + 3]) < 235)
    previous = row
share = inked / float(width * height)
print("%s: %dx%d, %d pixels not white (%.2f%%)" % (sys.argv[1], width, height, inked, 100 * share))
sys.exit(0 if share >= 0.005 else "render-svg.sh: the picture is blank")
PY
}

if [ $# -ge 1 ]; then
    render "$1" "${2:-${1%.svg}.png}"
    exit 0
fi

out=$(mktemp -d)
swift build --product backprop
bin=$(swift build --show-bin-path)/backprop
"$bin" graph --output "$out/digits.svg"
"$bin" train --epochs 15 --quiet --plot "$out/curves.svg"
BACKPROP_SVG_DIR="$out" swift test --filter "GraphSVGTests/lstm" >/dev/null
for svg in "$out"/*.svg; do render "$svg" "${svg%.svg}.png"; done
echo "the pictures are in $out"
