// OpenSSL 3 libcrypto for the card's RSA. Deprecated APIs are compiled out, so nothing below
// (or in Swift) can call RSA_private_encrypt and friends by accident.
#ifndef MYNASIM_CLIBCRYPTO_SHIM_H
#define MYNASIM_CLIBCRYPTO_SHIM_H

#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

// Macros Swift cannot import, as functions.

/// Frees a buffer libcrypto allocated (OPENSSL_free).
static inline void mynasim_openssl_free(void *pointer) { OPENSSL_free(pointer); }

/// Wipes and frees a buffer libcrypto allocated (OPENSSL_clear_free), for private key encodings.
static inline void mynasim_openssl_clear_free(void *pointer, size_t length) { OPENSSL_clear_free(pointer, length); }

/// The selections of EVP_PKEY_fromdata and OSSL_ENCODER_CTX_new_for_pkey.
static inline int mynasim_selection_keypair(void) { return EVP_PKEY_KEYPAIR; }
static inline int mynasim_selection_public_key(void) { return EVP_PKEY_PUBLIC_KEY; }

// Names libcrypto keeps a pointer to instead of copying (OSSL_PARAM_BLD_push_*, the
// OSSL_ENCODER_CTX output type and structure, EVP_PKEY_CTX_new_from_name's key type). A Swift
// String passed to a `const char *` lives only for the call, so these come from C literals.
// (The same holds for OSSL_DECODER_CTX_new_for_pkey's EVP_PKEY ** out-parameter: see Swift.)
static inline const char *_Nonnull mynasim_name_rsa(void) { return "RSA"; }
static inline const char *_Nonnull mynasim_name_rsa_n(void) { return OSSL_PKEY_PARAM_RSA_N; }
static inline const char *_Nonnull mynasim_name_rsa_e(void) { return OSSL_PKEY_PARAM_RSA_E; }
static inline const char *_Nonnull mynasim_name_rsa_d(void) { return OSSL_PKEY_PARAM_RSA_D; }
static inline const char *_Nonnull mynasim_name_rsa_p(void) { return OSSL_PKEY_PARAM_RSA_FACTOR1; }
static inline const char *_Nonnull mynasim_name_rsa_q(void) { return OSSL_PKEY_PARAM_RSA_FACTOR2; }
static inline const char *_Nonnull mynasim_name_rsa_dp(void) { return OSSL_PKEY_PARAM_RSA_EXPONENT1; }
static inline const char *_Nonnull mynasim_name_rsa_dq(void) { return OSSL_PKEY_PARAM_RSA_EXPONENT2; }
static inline const char *_Nonnull mynasim_name_rsa_qinv(void) { return OSSL_PKEY_PARAM_RSA_COEFFICIENT1; }
static inline const char *_Nonnull mynasim_name_pem(void) { return "PEM"; }
static inline const char *_Nonnull mynasim_name_der(void) { return "DER"; }
static inline const char *_Nonnull mynasim_name_type_specific(void) { return "type-specific"; }
static inline const char *_Nonnull mynasim_name_subject_public_key_info(void) { return "SubjectPublicKeyInfo"; }

#endif
