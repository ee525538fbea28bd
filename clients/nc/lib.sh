# Helpers for the netcat kit: only printf, nc and xxd. Source this file.
#
# A frame is a 4-byte big-endian length N followed by N bytes of protobuf.

# grove_send HOST PORT HEX -> prints the response bytes as one hex string.
# HEX is the whole request frame (prefix included), e.g. 0000000408015200.
grove_send() {
    local host=$1 port=$2 hex=$3
    printf '%s' "$hex" | xxd -r -p | nc -N -w 5 "$host" "$port" | xxd -p | tr -d '\n'
}

# grove_frame_length HEX -> the length prefix of the first frame, in decimal.
grove_frame_length() {
    echo $((16#${1:0:8}))
}

# grove_check_frame HEX -> fails unless HEX is exactly one complete frame.
grove_check_frame() {
    local hex=$1 n
    [ ${#hex} -ge 8 ] || { echo "no response frame (got '${hex}')" >&2; return 1; }
    n=$(grove_frame_length "$hex")
    [ $(( ${#hex} / 2 )) -eq $(( n + 4 )) ] || { echo "length prefix says $n bytes, got $(( ${#hex} / 2 - 4 ))" >&2; return 1; }
}

# grove_check_ok HEX ID_HEX -> fails unless the response echoes the id and has status OK.
# ID_HEX is the id's varint, e.g. 01 for id 1. Status OK with no message is `12 00`.
grove_check_ok() {
    local body=${1:8}
    [ "${body:0:4}" = "08$2" ] || { echo "id not echoed: body starts ${body:0:8}" >&2; return 1; }
    [ "${body:4:4}" = "1200" ] || { echo "status is not OK: ${body:4:40}" >&2; return 1; }
}
