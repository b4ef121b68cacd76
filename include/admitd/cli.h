/* Subcommands that run the production path offline. */
#ifndef ADMITD_CLI_H
#define ADMITD_CLI_H

/* admitd check [--level L] [--version V] [--policy FILE] [--namespace NS]
 *              [--output text|json] FILE...
 * Exit 0: all allowed; 1: any denied; 2: usage or input error. */
int adm_cli_check(int argc, char **argv);

/* admitd test [-v] [--output text|json] [--junit FILE] PATH...
 * Exit 0: every case passed; 1: any failed; 2: usage error or broken suite. */
int adm_cli_test(int argc, char **argv);

/* admitd replay --policy CANDIDATE RECORDING... | --emit-tests DIR RECORDING...
 * Exit 0: nothing newly denied (or tests written); 1: something would be
 * newly denied; 2: usage or input error. */
int adm_cli_replay(int argc, char **argv);

/* admitd check-config FILE: 0 valid, 1 invalid, 2 usage. */
int adm_cli_check_config(int argc, char **argv);

/* admitd verify-bundle --bundle FILE (--certificate-identity I --certificate-oidc-issuer U | --key KEY)
 *                      [--trusted-root FILE] FILE_OR_DIGEST
 * Exit 0: verified; 1: not verified; 2: usage or unreadable input. */
int adm_cli_verify_bundle(int argc, char **argv);

/* admitd explain-image --policy FILE IMAGE...
 * Exit 0: every verify rule covering every image verifies it; 1: one does
 * not, or no rule covers an image; 2: usage, policy or image error. */
int adm_cli_explain_image(int argc, char **argv);

#endif
