/* Between sigverify.c, which runs a verification, and sigbundle.c, which
 * looks for Sigstore bundles among an image's OCI referrers: what both
 * paths found, and the most informative failure seen (the order is
 * sigverify.h's). Not a contract outside server/verify/. */
#ifndef ADMITD_SIGBUNDLE_H
#define ADMITD_SIGBUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "sigverify.h"

#define ADM_SIG_MAX_REFERRERS 32      /* referrers considered per image */
#define ADM_SIG_MAX_VERIFICATIONS 128 /* bundle verifications per image */

struct adm__sig_found {
  uint64_t authorities;      /* signatures verified, by authority bit */
  uint64_t by_sig;           /* ... by a .sig signature */
  uint64_t by_bundle;        /* ... by a bundle and no .sig signature */
  uint32_t attestations;     /* rule->attestations bits satisfied */
  size_t other_attestations; /* verified bundles by the rule's authorities that are attestations it does not ask for */
  bool failed;
  enum adm_sig_outcome failure;
  const char *failure_authority; /* the authority whose verification failed so, or NULL */
  char detail[384];
  char attestation_detail[384]; /* why an attestation the rule asks for is not satisfied */
};

/* What the rule asks, to stop looking once it holds. */
struct adm__sig_goal {
  size_t threshold;
  uint64_t required;
  uint32_t attestations; /* every bit of rule->attestations */
};

bool adm__sig_goal_met(const struct adm__sig_goal *g, const struct adm__sig_found *f);

/* Keep o as f's failure when it ranks above the one kept. */
__attribute__((format(printf, 4, 5))) void adm__sig_note(struct adm__sig_found *f, enum adm_sig_outcome o,
                                                         const char *authority, const char *fmt, ...);

/* Whether o leaves the verdict unknown (internal, or a registry that could
 * not be read): it wins over any fact found. */
bool adm__sig_unknown(enum adm_sig_outcome o);

/* Tell the trace, when there is one. */
void adm__sig_trace(const struct adm_sig_request *req, enum adm_sig_trace_step step, const char *authority,
                    const char *referrer, const char *artifact_type, const char *judged, const char *detail);

/* What a registry failure means for a signature artifact (a .sig manifest,
 * a referrer, a bundle blob), NOT_FOUND aside. */
enum adm_sig_outcome adm__sig_from_fetch(enum adm_fetch_outcome o);

/* Whether every condition of att holds on predicate (compact JSON) at
 * now (Unix seconds): 0, or a negative code with why saying which failed
 * (ADM_ENOMEM when memory ran out). */
int adm__attest_check(const struct adm_images_attestation *att, const char *predicate, int64_t now, char *why,
                      size_t cap);

/* Look for bundles among the referrers of digest at loc and verify each
 * under every authority of req->rule, into f. 0, or ADM_ENOMEM. */
int adm__sig_bundles(struct adm_verifier *v, const struct adm_sig_request *req, const struct adm_sig_location *loc,
                     const char *digest, const struct adm__sig_goal *goal, int64_t deadline_ms,
                     struct adm__sig_found *f);

#endif
