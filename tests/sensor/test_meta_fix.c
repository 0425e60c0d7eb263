/* tests/sensor/test_meta_fix.c: meta_fix_parse() on FIX sessions.
 *
 * Messages are written readably with '|' for SOH and converted before parsing
 * (their CheckSums were computed over the SOH form). One test parses a '|'
 * message through meta_fix_parse_sep() with a CheckSum computed over '|'.
 * Two messages and the vendor-framed bytes come from nDPI's fix.pcap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fw_err.h"
#include "meta_int.h"
#include "meta_parse.h"

/* Logon from the initiator CLIENT1 to EXCHANGE. */
#define LOGON_C "8=FIX.4.2|9=70|35=A|49=CLIENT1|56=EXCHANGE|34=1|" \
                "52=20240102-09:30:00.000|98=0|108=30|10=021|"
/* Logon answer from EXCHANGE. */
#define LOGON_S "8=FIX.4.2|9=70|35=A|49=EXCHANGE|56=CLIENT1|34=1|" \
                "52=20240102-09:30:00.100|98=0|108=30|10=022|"
/* NewOrderSingle: buy 100 IBM limit 150.25. */
#define ORDER "8=FIX.4.2|9=75|35=D|49=CLIENT1|56=EXCHANGE|34=2|11=ORD1|55=IBM|54=1|" \
              "38=100|40=2|44=150.25|10=055|"
/* Heartbeat. */
#define HB "8=FIX.4.2|9=33|35=0|49=CLIENT1|56=EXCHANGE|34=3|10=049|"
/* ExecutionReport over FIXT.1.1. */
#define EXEC "8=FIXT.1.1|9=51|35=8|49=EXCHANGE|56=CLIENT1|34=2|17=EX1|150=0|39=0|10=218|"
/* From fix.pcap: TestRequest "farm" (zero-padded BodyLength), then a Heartbeat. */
#define PCAP_TR "8=FIX.4.1|9=00014|35=1|112=farm|10=217|"
#define PCAP_HB "8=FIX.4.1|9=000041|35=0|34=006127|43=N|52=20170502-19:58:29|10=113|"
/* Heartbeat from EXCHANGE carrying only TargetCompID (no 49). */
#define HB_S_ONLY56 "8=FIX.4.2|9=21|35=0|56=CLIENT1|34=7|10=068|"

static uint8_t wire[4096];

/* '|' -> SOH into wire; returns the length. */
static size_t soh(const char *s)
{
    size_t n = strlen(s), i;

    for (i = 0; i < n; i++)
        wire[i] = s[i] == '|' ? 0x01 : (uint8_t)s[i];
    return n;
}

static int parse(const char *s, bool from_initiator, struct meta_fix *fix)
{
    size_t n = soh(s);

    return meta_fix_parse(wire, n, from_initiator, fix);
}

static void test_logon(void **state)
{
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse(LOGON_C, true, &fix), 1);
    assert_int_equal(fix.messages, 1);
    assert_int_equal(fix.malformed, 0);
    assert_string_equal(fix.begin_string, "FIX.4.2");
    assert_string_equal(fix.sender_comp_id, "CLIENT1");
    assert_string_equal(fix.target_comp_id, "EXCHANGE");
    assert_string_equal(fix.msgtypes[0].type, "A");
    assert_int_equal(fix.msgtypes[0].count, 1);
    /* the answer does not overwrite the ids */
    assert_int_equal(parse(LOGON_S, false, &fix), 1);
    assert_string_equal(fix.sender_comp_id, "CLIENT1");
    assert_int_equal(fix.msgtypes[0].count, 2);
}

static void test_responder_first(void **state)
{
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse(EXEC, false, &fix), 1);
    assert_string_equal(fix.begin_string, "FIXT.1.1");
    assert_string_equal(fix.sender_comp_id, "CLIENT1");     /* the flow's source */
    assert_string_equal(fix.target_comp_id, "EXCHANGE");
    assert_int_equal(parse(ORDER, true, &fix), 1);
    assert_string_equal(fix.sender_comp_id, "CLIENT1");
}

/* Capture started mid-session (as in nDPI's fix.pcap): the peer's messages
 * arrive first and carry no ids (TestRequest) or only one of them; each id must
 * still be filled, from the flow source's point of view, by later messages. */
static void test_ids_filled_independently(void **state)
{
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse(PCAP_TR, false, &fix), 1);       /* no 49/56 at all */
    assert_string_equal(fix.sender_comp_id, "");
    assert_string_equal(fix.target_comp_id, "");
    assert_int_equal(parse(HB_S_ONLY56, false, &fix), 1);   /* server's 56 = source's 49 */
    assert_int_equal(fix.malformed, 0);
    assert_string_equal(fix.sender_comp_id, "CLIENT1");
    assert_string_equal(fix.target_comp_id, "");
    assert_int_equal(parse(ORDER, true, &fix), 1);          /* fills the missing target */
    assert_string_equal(fix.sender_comp_id, "CLIENT1");
    assert_string_equal(fix.target_comp_id, "EXCHANGE");
    assert_int_equal(parse(LOGON_S, false, &fix), 1);       /* nothing overwritten */
    assert_string_equal(fix.sender_comp_id, "CLIENT1");
    assert_string_equal(fix.target_comp_id, "EXCHANGE");
}

static void test_several_and_counts(void **state)
{
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse(LOGON_C ORDER HB HB PCAP_TR PCAP_HB, true, &fix), 6);
    assert_int_equal(fix.messages, 6);
    assert_int_equal(fix.malformed, 0);
    assert_int_equal(fix.heartbeats, 3);
    assert_string_equal(fix.msgtypes[0].type, "A");
    assert_string_equal(fix.msgtypes[1].type, "D");
    assert_string_equal(fix.msgtypes[2].type, "0");
    assert_int_equal(fix.msgtypes[2].count, 3);
    assert_string_equal(fix.msgtypes[3].type, "1");
}

static void test_msgtype_table_full(void **state)
{
    /* nine one-field messages, MsgTypes 1 2 3 4 5 A D 8 AE */
    static const char nine[] =
        "8=FIX.4.2|9=5|35=1|10=162|8=FIX.4.2|9=5|35=2|10=163|8=FIX.4.2|9=5|35=3|10=164|"
        "8=FIX.4.2|9=5|35=4|10=165|8=FIX.4.2|9=5|35=5|10=166|8=FIX.4.2|9=5|35=A|10=178|"
        "8=FIX.4.2|9=5|35=D|10=181|8=FIX.4.2|9=5|35=8|10=169|8=FIX.4.2|9=6|35=AE|10=248|";
    struct meta_fix fix;
    int i;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse(nine, true, &fix), 9);
    assert_int_equal(fix.malformed, 0);
    for (i = 0; i < META_FIX_MSGTYPES; i++)
        assert_int_equal(fix.msgtypes[i].count, 1);
    assert_string_equal(fix.msgtypes[7].type, "8");
    assert_string_equal(fix.sender_comp_id, "");
}

/* Every prefix of two messages: complete ones counted, partial ones ignored,
 * nothing ever malformed. */
static void test_cut_everywhere(void **state)
{
    static const char two[] = LOGON_C HB;
    size_t first = strlen(LOGON_C), full = soh(two), n;

    (void)state;
    for (n = 0; n <= full; n++) {
        uint8_t *copy = test_malloc(n ? n : 1);
        struct meta_fix fix;
        int rc;

        memset(&fix, 0, sizeof(fix));
        memcpy(copy, wire, n);
        rc = meta_fix_parse(copy, n, true, &fix);
        test_free(copy);
        if (n < 2) {
            assert_int_equal(rc, FW_EPARSE);
            continue;
        }
        assert_int_equal(rc, n == full ? 2 : n >= first ? 1 : 0);
        assert_int_equal(fix.messages, (uint32_t)rc);
        assert_int_equal(fix.malformed, 0);
        assert_int_equal(fix.heartbeats, n == full ? 1 : 0);
    }
}

static void test_bad_checksum(void **state)
{
    /* LOGON_C with CheckSum 022 instead of 021, then a good heartbeat */
    static const char bad[] = "8=FIX.4.2|9=70|35=A|49=CLIENT1|56=EXCHANGE|34=1|"
                              "52=20240102-09:30:00.000|98=0|108=30|10=022|" HB;
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse(bad, true, &fix), 2);
    assert_int_equal(fix.messages, 2);
    assert_int_equal(fix.malformed, 1);
    assert_int_equal(fix.heartbeats, 1);
    assert_string_equal(fix.msgtypes[0].type, "0");         /* bad message not typed */
    assert_int_equal(fix.msgtypes[0].count, 1);
    /* the sender comes from the first valid message, the heartbeat */
    assert_string_equal(fix.sender_comp_id, "CLIENT1");
}

static void test_bad_layout(void **state)
{
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    /* BodyLength one too long, one too short, then a good heartbeat each */
    assert_int_equal(parse("8=FIX.4.2|9=34|35=0|49=CLIENT1|56=EXCHANGE|34=3|10=049|" HB,
                           true, &fix), 2);
    assert_int_equal(parse("8=FIX.4.2|9=32|35=0|49=CLIENT1|56=EXCHANGE|34=3|10=049|" HB,
                           true, &fix), 2);
    /* BodyLength before BeginString; MsgType not first; no BodyLength digits */
    assert_int_equal(parse("8=FIX.4.2|35=0|9=5|10=000|" HB, true, &fix), 2);
    assert_int_equal(parse("8=FIX.4.2|9=33|49=CLIENT1|35=0|56=EXCHANGE|34=3|10=049|" HB,
                           true, &fix), 2);
    assert_int_equal(parse("8=FIX.4.2|9=x|35=0|10=000|" HB, true, &fix), 2);
    /* CheckSum of two digits; empty value */
    assert_int_equal(parse("8=FIX.4.2|9=5|35=0|10=49|" HB, true, &fix), 2);
    assert_int_equal(parse("8=FIX.4.2|9=5|35=|10=049|", true, &fix), 1);
    assert_int_equal(fix.messages, 13);
    assert_int_equal(fix.malformed, 7);
    assert_int_equal(fix.heartbeats, 6);
    /* garbage after a good message: one malformed, then stop */
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse(HB "\r\nGARBAGE", true, &fix), 2);
    assert_int_equal(fix.malformed, 1);
}

static void test_not_fix(void **state)
{
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n", true, &fix), FW_EPARSE);
    assert_int_equal(parse("", true, &fix), FW_EPARSE);
    assert_int_equal(meta_fix_parse(NULL, 0, true, &fix), FW_EINVAL);
    assert_int_equal(fix.messages, 0);
    /* a payload starting mid-message skips to the next BeginString */
    assert_int_equal(parse("56=EXCHANGE|34=1|10=021|" HB, true, &fix), 1);
    assert_int_equal(fix.heartbeats, 1);
    assert_int_equal(fix.malformed, 0);
    assert_true(meta_fix_looks_like((const uint8_t *)"8=FIX.4.2\x01", 10));
    assert_true(meta_fix_looks_like((const uint8_t *)"8=FIXT.1.1\x01", 11));
    assert_false(meta_fix_looks_like((const uint8_t *)"8=FIX", 4));
    assert_false(meta_fix_looks_like((const uint8_t *)"9=FIX.4.2", 9));
    assert_false(meta_fix_looks_like(NULL, 0));
}

static void test_vendor_framing(void **state)
{
    /* fix.pcap: "8=O" messages, MsgType P, 9 binary body bytes, no CheckSum */
    static const uint8_t o_msgs[] = {
        '8', '=', 'O', 1, '9', '=', '0', '0', '1', '4', 1, '3', '5', '=', 'P', 1,
        0x00, '8', 0x00, 0x00, 0x14, 0x8c, 'Q', 0x06, 0x83,
        '8', '=', 'O', 1, '9', '=', '0', '0', '1', '4', 1, '3', '5', '=', 'P', 1,
        0x00, '8', 0x00, 0x00, 0x14, 0x8c, 'Q', 0x06, 0x84,
    };
    /* "8=FIXCOMP" with a 5-byte zlib-looking body, then binary junk */
    static const uint8_t comp[] = { '8', '=', 'F', 'I', 'X', 'C', 'O', 'M', 'P', 1, '9', '=',
                                    '5', 1, 'x', 0x9c, 0x01, 0x02, 0x03, 0xff, 0xfe };
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(meta_fix_parse(o_msgs, sizeof(o_msgs), false, &fix), 2);
    assert_int_equal(fix.malformed, 0);
    assert_string_equal(fix.begin_string, "O");
    assert_string_equal(fix.msgtypes[0].type, "P");
    assert_int_equal(fix.msgtypes[0].count, 2);
    assert_int_equal(meta_fix_parse(o_msgs, sizeof(o_msgs) - 1, false, &fix), 1);
    assert_int_equal(meta_fix_parse(comp, sizeof(comp) - 2, true, &fix), 1);
    assert_int_equal(fix.malformed, 0);
    assert_int_equal(meta_fix_parse(comp, sizeof(comp), true, &fix), 1);
    assert_int_equal(fix.malformed, 1);                     /* junk where 8= belongs */
    /* a standard BeginString never skips the CheckSum; the last one may yet
     * get its trailer in the next segment (partial) */
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse("8=FIX.4.2|9=5|35=0|8=FIX.4.2|9=5|35=0|", true, &fix), 1);
    assert_int_equal(fix.malformed, 1);
    assert_int_equal(fix.heartbeats, 0);
}

static void test_pipe_separator(void **state)
{
    /* LOGON_C with its CheckSum computed over '|' bytes */
    static const char logon[] = "8=FIX.4.2|9=70|35=A|49=CLIENT1|56=EXCHANGE|34=1|"
                                "52=20240102-09:30:00.000|98=0|108=30|10=104|";
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(meta_fix_parse_sep((const uint8_t *)logon, strlen(logon), '|', true, &fix),
                     1);
    assert_int_equal(fix.malformed, 0);
    assert_string_equal(fix.target_comp_id, "EXCHANGE");
    /* the SOH checksum does not hold over '|': malformed */
    assert_int_equal(meta_fix_parse_sep((const uint8_t *)LOGON_C, strlen(LOGON_C), '|', true,
                                        &fix), 1);
    assert_int_equal(fix.malformed, 1);
}

static void test_hostile_ids(void **state)
{
    /* SenderCompID with a quote, backslash, 0x02 and UTF-8 e-acute */
    static const char msg[] = "8=FIX.4.4|9=20|35=D|49=\"q\\\x02\xc3\xa9|56=T|10=233|";
    struct meta_fix fix;

    (void)state;
    memset(&fix, 0, sizeof(fix));
    assert_int_equal(parse(msg, true, &fix), 1);
    assert_int_equal(fix.malformed, 0);
    assert_string_equal(fix.sender_comp_id, "\"q\\\x02\xc3\xa9");
    assert_string_equal(fix.target_comp_id, "T");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logon),
        cmocka_unit_test(test_responder_first),
        cmocka_unit_test(test_ids_filled_independently),
        cmocka_unit_test(test_several_and_counts),
        cmocka_unit_test(test_msgtype_table_full),
        cmocka_unit_test(test_cut_everywhere),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_bad_layout),
        cmocka_unit_test(test_not_fix),
        cmocka_unit_test(test_vendor_framing),
        cmocka_unit_test(test_pipe_separator),
        cmocka_unit_test(test_hostile_ids),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
