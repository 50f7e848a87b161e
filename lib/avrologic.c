/* avrologic: ISO-8601 times and decimal numbers for Avro's logical types. */
#include "avrologic.h"

#include <stdbool.h>
#include <string.h>

/* Reads exactly k digits at s into *v. */
static bool digits(const char *s, int k, int *v)
{
        *v = 0;
        for (int i = 0; i < k; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                *v = *v * 10 + (s[i] - '0');
        }
        return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

/* Reads "YYYY-MM-DD" (10 bytes) into days since the epoch. */
static bool parse_date(const char *s, size_t n, int64_t *days)
{
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y, m, d;
        if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
            !digits(s + 8, 2, &d))
                return false;
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
                return false;
        *days = days_from_civil(y, m, d);
        return true;
}

/* Reads "HH:MM:SS[.fraction]" at s into units (10^-digits s) after
 * midnight; *used gets the bytes taken. */
static bool parse_time(const char *s, size_t n, int unitdigits, int64_t *v, size_t *used)
{
        int h, m, sec;
        if (n < 8 || !digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &m) || s[5] != ':' ||
            !digits(s + 6, 2, &sec) || h > 23 || m > 59 || sec > 59)
                return false;
        int64_t unit = 1;
        for (int i = 0; i < unitdigits; i++)
                unit *= 10;
        int64_t frac = 0;
        size_t i = 8;
        if (i < n && s[i] == '.') {
                int k = 0;
                int64_t scale = unit;
                for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++) {
                        if (k >= unitdigits)
                                return false; /* finer than the type keeps */
                        scale /= 10;
                        frac += (s[i] - '0') * scale;
                }
                if (k == 0)
                        return false;
        }
        *v = ((int64_t)h * 3600 + m * 60 + sec) * unit + frac;
        *used = i;
        return true;
}

int av_time_parse(enum av_logical lt, const char *s, size_t n, int64_t *out)
{
        int64_t days, t;
        size_t used;
        switch (lt) {
        case AV_LT_DATE:
                if (n != 10 || !parse_date(s, n, &days))
                        return -1;
                *out = days;
                return 0;
        case AV_LT_TIME_MILLIS:
        case AV_LT_TIME_MICROS:
                if (!parse_time(s, n, lt == AV_LT_TIME_MILLIS ? 3 : 6, &t, &used) || used != n)
                        return -1;
                *out = t;
                return 0;
        case AV_LT_TIMESTAMP_MILLIS:
        case AV_LT_TIMESTAMP_MICROS:
        case AV_LT_LOCAL_TS_MILLIS:
        case AV_LT_LOCAL_TS_MICROS:
                break;
        default:
                return -1;
        }
        bool micros = lt == AV_LT_TIMESTAMP_MICROS || lt == AV_LT_LOCAL_TS_MICROS;
        bool local = lt == AV_LT_LOCAL_TS_MILLIS || lt == AV_LT_LOCAL_TS_MICROS;
        int64_t unit = micros ? 1000000 : 1000;
        if (n < 19 || !parse_date(s, n, &days) || s[10] != 'T' ||
            !parse_time(s + 11, n - 11, micros ? 6 : 3, &t, &used))
                return -1;
        size_t i = 11 + used;
        int64_t offset = 0;
        if (local) {
                if (i != n)
                        return -1;
        } else if (i + 1 == n && s[i] == 'Z') {
                offset = 0;
        } else {
                int oh, om;
                if (i + 6 != n || (s[i] != '+' && s[i] != '-') || !digits(s + i + 1, 2, &oh) ||
                    s[i + 3] != ':' || !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
                        return -1;
                offset = ((int64_t)oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        }
        *out = (days * 86400 - offset) * unit + t;
        return 0;
}

long av_decimal_put(const char *s, size_t n, int precision, int scale, size_t size,
                    unsigned char *out, const char **why)
{
        /* The number as D * 10^exp, D its digits without leading zeros. */
        char d[AV_DECIMAL_MAX_DIGITS + 1];
        int nd = 0, fracdigits = 0;
        long exp = 0;
        size_t i = 0;
        bool neg = false, any = false;
        *why = "is not a decimal number";
        if (i < n && s[i] == '-')
                neg = true, i++;
        for (bool frac = false; i < n; i++) {
                if (s[i] == '.' && !frac && any) {
                        frac = true;
                        if (i + 1 >= n || s[i + 1] < '0' || s[i + 1] > '9')
                                return -1;
                        continue;
                }
                if (s[i] < '0' || s[i] > '9')
                        break;
                any = true;
                if (frac)
                        fracdigits++;
                if (nd == 0 && s[i] == '0')
                        continue;
                if (nd == AV_DECIMAL_MAX_DIGITS) {
                        *why = "has too many digits";
                        return -1;
                }
                d[nd++] = s[i];
        }
        if (!any)
                return -1;
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                bool eneg = false;
                i++;
                if (i < n && (s[i] == '+' || s[i] == '-'))
                        eneg = s[i++] == '-';
                if (i >= n)
                        return -1;
                for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                        if (exp < 100000)
                                exp = exp * 10 + (s[i] - '0');
                if (eneg)
                        exp = -exp;
        }
        if (i != n)
                return -1;
        /* The unscaled value is D * 10^shift. */
        long shift = exp - fracdigits + scale;
        while (shift < 0 && nd > 0 && d[nd - 1] == '0')
                nd--, shift++;
        if (shift < 0 && nd > 0) {
                *why = "has more digits after the point than the scale";
                return -1;
        }
        if (nd == 0)
                shift = 0;
        if (shift > precision || nd + shift > precision) {
                *why = "has more digits than the precision";
                return -1;
        }
        for (; shift > 0; shift--)
                d[nd++] = '0';
        /* The magnitude in base 256, big-endian, in mag[start..]. */
        unsigned char mag[AV_DECIMAL_MAX_BYTES];
        memset(mag, 0, sizeof(mag));
        for (int k = 0; k < nd; k++) {
                unsigned carry = (unsigned)(d[k] - '0');
                for (int b = AV_DECIMAL_MAX_BYTES - 1; b >= 0; b--) {
                        unsigned v = mag[b] * 10u + carry;
                        mag[b] = (unsigned char)v;
                        carry = v >> 8;
                }
        }
        int start = 0;
        while (start < AV_DECIMAL_MAX_BYTES && mag[start] == 0)
                start++;
        size_t bits = 0;
        if (start < AV_DECIMAL_MAX_BYTES) {
                unsigned top = mag[start];
                size_t tb = 0;
                while (top)
                        tb++, top >>= 1;
                bits = (size_t)(AV_DECIMAL_MAX_BYTES - start - 1) * 8 + tb;
        }
        size_t len = size ? size : (bits + 8) / 8;
        if (bits + 1 > len * 8) {
                *why = "does not fit the fixed";
                return -1;
        }
        /* Copy the low len bytes, then negate in two's complement. */
        for (size_t k = 0; k < len; k++) {
                size_t from = AV_DECIMAL_MAX_BYTES - len + k;
                out[k] = len - k <= AV_DECIMAL_MAX_BYTES ? mag[from] : 0;
        }
        if (neg && bits) {
                unsigned carry = 1;
                for (size_t k = len; k-- > 0;) {
                        unsigned v = (unsigned)(unsigned char)~out[k] + carry;
                        out[k] = (unsigned char)v;
                        carry = v >> 8;
                }
        }
        return (long)len;
}

size_t av_decimal_room(size_t n, int scale)
{
        return 3 * n + (size_t)scale + 4;
}

size_t av_decimal_text(const unsigned char *b, size_t n, int scale, char *out)
{
        /* Bytes that only extend the sign say nothing. */
        while (n > 1 && ((b[0] == 0 && !(b[1] & 0x80)) || (b[0] == 0xff && (b[1] & 0x80))))
                b++, n--;
        if (n > AV_DECIMAL_MAX_BYTES)
                return (size_t)-1;
        /* The magnitude, in out's tail (free until the digits are written). */
        bool neg = n && (b[0] & 0x80);
        size_t room = av_decimal_room(n, scale);
        unsigned char *mag = (unsigned char *)out + room - n;
        unsigned carry = 1;
        for (size_t k = n; k-- > 0;) {
                unsigned v = neg ? (unsigned)(unsigned char)~b[k] + carry : b[k];
                if (neg)
                        carry = v >> 8;
                mag[k] = (unsigned char)v;
        }
        /* Decimal digits, least significant first, by repeated division. */
        char digitsbuf[3 * AV_DECIMAL_MAX_BYTES + 8];
        size_t nd = 0, first = 0;
        for (;;) {
                while (first < n && mag[first] == 0)
                        first++;
                if (first == n)
                        break;
                unsigned rem = 0;
                for (size_t k = first; k < n; k++) {
                        unsigned v = (rem << 8) | mag[k];
                        mag[k] = (unsigned char)(v / 10);
                        rem = v % 10;
                }
                digitsbuf[nd++] = (char)('0' + rem);
        }
        while (nd <= (size_t)scale)
                digitsbuf[nd++] = '0';
        char *o = out;
        if (neg)
                *o++ = '-';
        for (size_t k = nd; k-- > 0;) {
                *o++ = digitsbuf[k];
                if (k == (size_t)scale && scale > 0)
                        *o++ = '.';
        }
        return (size_t)(o - out);
}
