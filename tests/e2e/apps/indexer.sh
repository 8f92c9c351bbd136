# tests/e2e/apps/indexer.sh: the stream indexer (examples/indexer) on top of the
# generic checks of run.sh.  Notes are written straight into each stage's notes
# table, as any writer would; the table's stream calls the indexer through its
# mapping, and GET /search/{word} answers from the index it wrote.

# search_of URL WORD: the note ids of the answer, joined by ',', or "HTTP CODE BODY"
search_of() {
    local got code body
    got=$(http_get "${1}search/$2")
    code=${got%% *} body=${got#* }
    if [ "$code" = 200 ]; then jq -r '.notes | join(",")' <<< "$body"; else echo "HTTP $got"; fi
}

# search_is URL WORD WANT: the search answers WANT (for wait_until)
search_is() { [ "$(search_of "$1" "$2")" = "$3" ]; }

put_note() {  # put_note TABLE ID TEXT
    aws dynamodb put-item --table-name "$1" --item "{\"id\":{\"S\":\"$2\"},\"text\":{\"S\":\"$3\"}}"
}

app_deployed() {
    local dev_url prod_url dev_notes prod_notes
    dev_url=$(output "$DEV" Url) prod_url=$(output "$PROD" Url)
    dev_notes=$(output "$DEV" Notes) prod_notes=$(output "$PROD" Notes)
    put_note "$dev_notes" n1 "Hello, world"
    put_note "$dev_notes" n2 "hello there, HELLO"
    put_note "$prod_notes" p1 "hello prod"
    wait_until 60 search_is "$dev_url" hello n1,n2
    expect_eq "$DEV: two notes written to the table reach the indexer through the stream; GET /search/hello finds both" \
        "n1,n2|n1" "$(search_of "$dev_url" hello)|$(search_of "$dev_url" WORLD)"
    wait_until 60 search_is "$prod_url" hello p1
    expect_eq "$PROD: its own notes and index only" "p1|" "$(search_of "$prod_url" hello)|$(search_of "$prod_url" world)"
    put_note "$dev_notes" n1 "goodbye world"
    wait_until 60 search_is "$dev_url" hello n2
    expect_eq "$DEV: a changed note (MODIFY, old and new image) leaves the words it lost and joins those it gained" \
        "n2|n1|n1" "$(search_of "$dev_url" hello)|$(search_of "$dev_url" goodbye)|$(search_of "$dev_url" world)"
    aws dynamodb delete-item --table-name "$dev_notes" --key '{"id":{"S":"n2"}}'
    wait_until 60 search_is "$dev_url" there ""
    expect_eq "$DEV: a deleted note (REMOVE) leaves the index" "|n1" \
        "$(search_of "$dev_url" there)|$(search_of "$dev_url" world)"
    expect_eq "$DEV: GET /search/ with two words answers 400" "400" "$(http_get "${dev_url}search/a%20b" | cut -d' ' -f1)"
    local items
    items=$(table_items "$(physical "$DEV" WordsTable)" | wc -l)
    expect_eq "$DEV: the words table holds exactly n1's two words" 2 "$items"
}
