#!/usr/bin/env bash
# End to end with a real, independent MCP client: the MCP Inspector CLI (Node, TypeScript SDK) starts
# `python -m agent_tools serve` over stdio with AGENT_TOOLS_OFFLINE=1, lists the tools, calls every one
# of them, checks an error envelope, and lists/reads the prompts and resources. No network.
#
#   (cd e2e && npm ci) && e2e/run.sh        # PYTHON=/path/to/python to pick the server's interpreter
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
python="${PYTHON:-$root/.venv/bin/python}"
inspector="$here/node_modules/.bin/mcp-inspector-cli"
[ -x "$inspector" ] || { echo "e2e: run 'npm ci' in e2e/ first" >&2; exit 1; }
[ -x "$python" ] || { echo "e2e: no Python at $python (set PYTHON)" >&2; exit 1; }

# Values of --tool-arg/--prompt-args are JSON-parsed by the inspector when they parse (so 10 is a number);
# prompt arguments are strings in MCP, hence the quoted numbers below.
# inspector-cli 1.0.3 reads its own version from "../package.json" relative to the *working directory*
# and crashes when that file is missing, so it runs from a subfolder of e2e/ (whose package.json it finds).
mkdir -p "$here/.cwd"
cd "$here/.cwd"

# Only offline mode reaches the server: no developer AGENT_TOOLS_* setting, no key.
while IFS='=' read -r name _; do
    case "$name" in AGENT_TOOLS_*) unset "$name" ;; esac
done < <(env)
export AGENT_TOOLS_OFFLINE=1

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

inspect() {  # inspect NAME --method ... ; the JSON result goes to $out/NAME.json
    local name="$1"
    shift
    if ! "$inspector" --cli -e AGENT_TOOLS_OFFLINE=1 "$python" -m agent_tools serve "$@" \
        >"$out/$name.json" 2>"$out/$name.err"; then
        echo "e2e: FAILED $name" >&2
        cat "$out/$name.err" "$out/$name.json" >&2
        exit 1
    fi
}

check() {  # check NAME 'JS expression over r (the parsed result) returning a summary string or throwing'
    node -e '
        const fs = require("fs");
        const [file, name, expr] = process.argv.slice(1);
        const r = JSON.parse(fs.readFileSync(file, "utf8"));
        const fail = (msg) => { console.error(`e2e: FAILED ${name}: ${msg}`); process.exit(1); };
        try { console.log(`  ${name}: ${eval(expr)}`); } catch (e) { fail(e.message); }
    ' "$out/$1.json" "$1" "$2"
}

ok_call='(() => {
    if (r.isError) throw new Error("isError: " + JSON.stringify(r.content).slice(0, 400));
    if (!r.structuredContent) throw new Error("no structuredContent");
    return "ok";
})()'

expected="assess_address_risk assess_leverage assess_rug_pull_risk check_token_approvals check_url estimate_network_fee estimate_trading_fees estimate_withdrawal_fee get_grade get_price get_price_history search_assets"
version="$(node -p 'require("../node_modules/@modelcontextprotocol/inspector-cli/package.json").version')"
echo "e2e: MCP Inspector CLI $version against the stdio server ($python -m agent_tools serve, offline)"
inspect tools --method tools/list
check tools "(() => {
    const names = r.tools.map((t) => t.name).sort();
    const want = '$expected'.split(' ');
    const missing = want.filter((n) => !names.includes(n));
    if (missing.length) throw new Error('missing tools: ' + missing);
    for (const t of r.tools) {
        if (!t.outputSchema) throw new Error(t.name + ' has no outputSchema');
        if (!t.annotations || t.annotations.readOnlyHint !== true) throw new Error(t.name + ' is not readOnly');
        if (t.inputSchema.additionalProperties !== false) throw new Error(t.name + ' accepts unknown arguments');
    }
    const untested = names.filter((n) => !want.includes(n));
    if (untested.length) throw new Error('new tools without an e2e call, add them to e2e/run.sh: ' + untested);
    return names.length + ' tools: ' + names.join(', ');
})()"

call() {  # call TOOL SUMMARY_EXPR --tool-arg k=v ...
    local tool="$1" summary="$2"
    shift 2
    inspect "$tool" --method tools/call --tool-name "$tool" "$@"
    check "$tool" "$ok_call && (() => { const s = r.structuredContent; return $summary; })()"
}

call get_price '`${s.quotes[0].asset_id} ${s.quotes[0].price} ${s.quotes[0].currency}, source ${s.quotes[0].source}, stale ${s.quotes[0].stale}`' \
    --tool-arg 'symbols=["BTC","ETH"]'
call search_assets '`${s.candidates.length} candidates, first ${s.candidates[0].asset_id}, source ${s.source}`' \
    --tool-arg query=uniswap --tool-arg limit=3
call get_grade '`trader ${s.trader_grade}, investor ${s.investor_grade}, signal ${s.signal}, source ${s.source}, stale ${s.stale}`' \
    --tool-arg symbol=ETH
call get_price_history '(() => {
    const png = r.content.filter((c) => c.type === "image" && c.mimeType === "image/png");
    if (png.length !== 1) throw new Error("expected one PNG image beside the data");
    return `${s.points.length} ${s.interval} points, change ${s.stats.change_pct} %, source ${s.source}, stale ${s.stale}, PNG ${Math.round(png[0].data.length * 3 / 4 / 1024)} KB`;
})()' \
    --tool-arg symbol=BTC --tool-arg days=90 --tool-arg chart=true
call estimate_trading_fees '`${s.estimates.length} exchanges, cheapest ${s.estimates[0].exchange} ${s.estimates[0].monthly_fee_usd} USD/month`' \
    --tool-arg notional_usd=1000 --tool-arg trades_per_month=20 --tool-arg maker_share=0.5
call estimate_network_fee '`standard ${s.standard.fee_usd} USD, source ${s.source}, stale ${s.stale}`' \
    --tool-arg chain=bitcoin
call assess_rug_pull_risk '`risk_level ${s.risk_level}, ${s.coverage.unknown.length} checks unknown (offline)`' \
    --tool-arg chain=ethereum --tool-arg address=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48
call assess_address_risk '`risk_level ${s.risk_level}, ${s.coverage.unknown.length} checks unknown (offline)`' \
    --tool-arg chain=ethereum --tool-arg address=0x04ae3226c80e8c04d35e6e56089345bdd06da6de
call check_token_approvals '`risk_level ${s.risk_level}, ${s.total} approvals (offline)`' \
    --tool-arg chain=bsc --tool-arg wallet=0xd018e2b543a2669410537f96293590138cacedf3 --tool-arg limit=3
call check_url '`risk_level ${s.risk_level}, lookalike_of ${s.lookalike_of}`' \
    --tool-arg url=https://binance.com.account-verify.io/login
call assess_leverage '`liquidation ${s.liquidation_price} (${s.move_to_liquidation_pct} %), ${s.warnings.length} warning(s)`' \
    --tool-arg entry_price=60000 --tool-arg leverage=10 --tool-arg side=long --tool-arg margin_usd=1000
call estimate_withdrawal_fee '`${s.estimates.length} estimates, cheapest ${s.estimates[0].exchange} ${s.estimates[0].fee} ${s.asset} on ${s.estimates[0].network}, source ${s.source}, stale ${s.stale}`' \
    --tool-arg asset=BTC

inspect bad_input --method tools/call --tool-name get_price --tool-arg 'symbols=[]'
check bad_input "(() => {
    if (!r.isError) throw new Error('expected isError');
    const text = r.content.map((c) => c.text).join('');
    const env = JSON.parse(text.slice(text.indexOf('{')));
    if (env.error.code !== 'INVALID_ARGUMENT') throw new Error('code ' + env.error.code);
    return 'isError with ' + env.error.code;
})()"

inspect prompts --method prompts/list
check prompts "(() => {
    const names = r.prompts.map((p) => p.name).sort();
    for (const n of ['fee_optimization', 'leverage_check', 'research_token', 'security_checklist', 'wallet_security_checkup'])
        if (!names.includes(n)) throw new Error('missing prompt ' + n);
    return names.length + ' prompts: ' + names.join(', ');
})()"
prompt_text='(() => { const t = r.messages[0].content.text; if (!t.includes(WANT)) throw new Error("no " + WANT); return t.length + " chars"; })()'
inspect prompt_research --method prompts/get --prompt-name research_token --prompt-args symbol=ETH
check prompt_research "${prompt_text//WANT/\"get_grade\"}"
inspect prompt_security --method prompts/get --prompt-name security_checklist \
    --prompt-args chain=eth address=0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48
check prompt_security "${prompt_text//WANT/\"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48\"}"
inspect prompt_wallet --method prompts/get --prompt-name wallet_security_checkup \
    --prompt-args chain=bnb address=0xd018e2b543a2669410537f96293590138cacedf3
check prompt_wallet "${prompt_text//WANT/\"check_token_approvals\"}"
inspect prompt_fees --method prompts/get --prompt-name fee_optimization --prompt-args 'monthly_volume_usd="250000"'
check prompt_fees "${prompt_text//WANT/\"250000 USD\"}"
inspect prompt_leverage --method prompts/get --prompt-name leverage_check \
    --prompt-args 'entry_price="3000"' 'leverage="10"' side=short 'margin_usd="500"'
check prompt_leverage "${prompt_text//WANT/\"side: **short**\"}"

inspect resources --method resources/list
check resources "r.resources.map((x) => x.uri).sort().join(', ')"
inspect chains --method resources/read --uri chains://supported
check chains "JSON.parse(r.contents[0].text).length + ' chains'"

echo "e2e: all passed"
