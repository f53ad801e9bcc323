# Shared by tools/demo and tools/test: make sure the system libraries rrm-ledger links exist.
# Installs them with apt-get when it can (root, or sudo without a password); otherwise says
# exactly what to install and stops.

need_packages() {
    missing=""
    [ -f /usr/include/sqlite3.h ] || missing="$missing libsqlite3-dev"
    [ -f /usr/include/zlib.h ] || missing="$missing zlib1g-dev"
    [ -z "$missing" ] && return 0
    echo "rrm-ledger needs the system packages:$missing" >&2
    if command -v apt-get >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null && return 0
        elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null && return 0
        fi
    fi
    echo "Install them (Debian/Ubuntu: sudo apt-get install$missing) and run this again." >&2
    exit 69
}

# Installs one Debian package that provides a command, or says what to install.
need_package_for_command() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if command -v apt-get >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null && return 0
        elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null && return 0
        fi
    fi
    echo "the tests need the command $1 (Debian/Ubuntu: sudo apt-get install $2)" >&2
    exit 69
}

need_swift() {
    command -v swift >/dev/null 2>&1 && return 0
    echo "rrm-ledger needs the Swift toolchain (6.1 or newer): https://www.swift.org/install/" >&2
    exit 69
}
