#!/usr/bin/env bash
# Create the secret files docker-compose.yml mounts under /run/secrets (once; never overwrites).
#
#   scripts/compose-secrets.sh && docker compose up -d
#
# The folder is private to you (0700); the files are world-readable *inside* it so that the
# containers' non-root users can read their bind-mounted copies. Back up master_key and
# signing_key: without the master key no stored document can ever be decrypted again.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=secrets
mkdir -p "$dir"
chmod 700 "$dir"

random_b64() { python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
random_token() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }

write() {  # write NAME VALUE: only if missing
    local path="$dir/$1"
    if [[ -e "$path" ]]; then echo "keep    $path"; return; fi
    (umask 022; printf '%s\n' "$2" >"$path")
    echo "created $path"
}

write secret_key "$(random_token)$(random_token)"
write master_key "$(random_b64)"
write signing_key "$(random_b64)"
write postgres_password "$(random_token)"
write database_url "postgres://fairtrail:$(tr -d '\n' <"$dir/postgres_password")@postgres:5432/fairtrail"
write minio_root_password "$(random_token)"
write storage_secret_key "$(random_token)"
