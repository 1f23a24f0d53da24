#!/usr/bin/env bash
# Regenerates the shipped personas in vectors/personas/ (keys included, so tests and known-answer
# vectors are deterministic). Run only when the persona format changes: it replaces every key,
# and the known-answer vectors must be regenerated with it.
set -euo pipefail
cd "$(dirname "$0")/.."
M=${MYNASIM:-.build/debug/mynasim}
OUT=vectors/personas
rm -rf "$OUT"; mkdir -p "$OUT"
ISSUED=2026-11-25
common=(--issued "$ISSUED" --pki "$OUT/test-pki")
$M persona new --out "$OUT/yamada-taro" "${common[@]}" --name '山田　太郎' --kana 'ヤマダ　タロウ' --sex male \
  --birth-date 1980-02-17 --address '東京都清瀬市中里５丁目８４２番地' --prefecture-romaji Tokyo-to --city-romaji Kiyose-shi \
  --municipality-code 13221 --my-number 123456789018 --security-code 2285 --expiry 2035-02-17 \
  --auth-pin 1234 --sign-pin TARO2026 --text-pin 5678 --resident-pin 2468
$M persona new --out "$OUT/sato-hanako" "${common[@]}" --name '佐藤　花子' --kana 'サトウ　ハナコ' --sex female \
  --birth-date 1990-05-03 --address '大阪府大阪市北区中之島１丁目３番２０号' --prefecture-romaji Osaka-fu --city-romaji Osaka-shi \
  --municipality-code 27127 --my-number 987654321093 --security-code 4821 \
  --auth-pin 4321 --sign-pin HANAKO1990 --text-pin 8765 --resident-pin 1357
$M persona new --out "$OUT/suzuki-minor" "${common[@]}" --name '鈴木　陽翔' --kana 'スズキ　ハルト' --sex male \
  --birth-date 2015-04-01 --address '神奈川県横浜市中区港町１丁目１番地' --prefecture-romaji Kanagawa-ken --city-romaji Yokohama-shi \
  --municipality-code 14104 --my-number 246813579137 --security-code 7310 \
  --auth-pin 1111 --text-pin 2222 --resident-pin 3333
$M persona new --out "$OUT/takahashi-face" "${common[@]}" --name '高橋　和子' --kana 'タカハシ　カズコ' --sex female \
  --birth-date 1948-11-03 --address '北海道札幌市中央区北一条西２丁目' --prefecture-romaji Hokkaido --city-romaji Sapporo-shi \
  --municipality-code 01101 --my-number 135792468007 --security-code 5096 --face-auth \
  --auth-pin 0000 --text-pin 0000 --resident-pin 0000
$M persona new --out "$OUT/tanaka-short" "${common[@]}" --name '田中　健一' --kana 'タナカ　ケンイチ' --sex male \
  --birth-date 1972-08-15 --address '愛知県名古屋市中区三の丸３丁目１番１号' --prefecture-romaji Aichi-ken --city-romaji Nagoya-shi \
  --municipality-code 23106 --my-number 112233445560 --security-code 9044 --short-only --atr jpki-03 \
  --auth-pin 9876 --sign-pin KEN1972X --text-pin 6543 --resident-pin 3210
# Client-check scenarios: an authentication certificate that expired (issued 2019, valid to the
# fifth birthday after issue) and one the test CA revoked (listed in test-pki/auth-ca.crl.pem).
$M persona new --out "$OUT/kato-expired" "${common[@]}" --issued 2019-06-01 --name '加藤　誠' --kana 'カトウ　マコト' --sex male \
  --birth-date 1985-09-10 --address '福岡県福岡市中央区天神１丁目８番１号' --prefecture-romaji Fukuoka-ken --city-romaji Fukuoka-shi \
  --municipality-code 40133 --my-number 246813579021 --security-code 3141 \
  --auth-pin 5555 --sign-pin MAKOTO85 --text-pin 5556 --resident-pin 5557
$M persona new --out "$OUT/ito-revoked" "${common[@]}" --name '伊藤　さくら' --kana 'イトウ　サクラ' --sex female \
  --birth-date 1995-03-21 --address '宮城県仙台市青葉区国分町３丁目７番１号' --prefecture-romaji Miyagi-ken --city-romaji Sendai-shi \
  --municipality-code 04101 --my-number 369258147034 --security-code 2718 \
  --auth-pin 7777 --sign-pin SAKURA95 --text-pin 7778 --resident-pin 7779
