/* End-to-end encryption of a call's media (docs/media.md, "End-to-end
 * encryption"): which calls require it, and whether a joining participant
 * may be let in. Pure: the call core, unit-tested in
 * tests/unit/test_signal_call_e2ee.c.
 *
 * Booking says so in the join token's `e2ee` claim ("required" or "off",
 * docs/contracts.md). Signalling holds its own floor as well (defence in
 * depth, like monitoring and recording): a legal or telemedicine call
 * requires it whatever the claim says, so a token can never downgrade one. */
#ifndef PARLOUR_SIG_CALL_E2EE_H
#define PARLOUR_SIG_CALL_E2EE_H

#include <glib.h>

/* claim: the token's e2ee claim, NULL when absent. Sets *required; returns
 * FALSE when the claim is present but neither "required" nor "off". */
gboolean sig_e2ee_policy(const char *visit_type, const char *claim, gboolean *required);

/* NULL: may join; else the refusal code ("e2ee_required"): the call
 * requires end-to-end encryption and the client did not announce it can. */
const char *sig_e2ee_join_refusal(gboolean required, gboolean announced);

#endif
