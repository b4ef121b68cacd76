/* What a signature verification found, step by step, for a person debugging
 * a denial (`admitd explain-image`): the .sig manifest under each key
 * authority, the referrers index, each referrer and how its bundle fared
 * under each authority. The verifier calls the caller's function with each
 * event as it happens; strings are *borrowed* for the call only. A trace
 * may carry what a registry said: it is for the operator who asked, never
 * for a denial. */
#ifndef ADMITD_SIGTRACE_H
#define ADMITD_SIGTRACE_H

enum adm_sig_trace_step {
  ADM_SIG_TRACE_RESOLVED,  /* the digest verified (detail) */
  ADM_SIG_TRACE_LEGACY,    /* the sha256-<hex>.sig manifest, once per key authority */
  ADM_SIG_TRACE_REFERRERS, /* the referrers index: how it was listed, how many it names */
  ADM_SIG_TRACE_REFERRER,  /* one referrer manifest: what it is, whether it is a bundle for the image */
  ADM_SIG_TRACE_BUNDLE,    /* one referrer's bundle under one authority */
};

struct adm_sig_trace_event {
  enum adm_sig_trace_step step;
  const char *authority;     /* LEGACY, BUNDLE; NULL otherwise */
  const char *referrer;      /* REFERRER, BUNDLE: the referrer manifest's digest; NULL otherwise */
  const char *artifact_type; /* REFERRER: as the referrer manifest says ("" when it says none) */
  /* A stable word: an outcome id ("verified", "identity-mismatch", ...),
   * "signature", "attestation", "skipped", "none". */
  const char *judged;
  const char *detail; /* why, in full */
};

struct adm_sig_trace {
  void (*event)(void *ctx, const struct adm_sig_trace_event *e);
  void *ctx;
};

#endif
