/* tls_text.c - what decryption did on a connection, in one sentence for the text views. */
#include "format/format.h"
#include "synfin/app.h"
#include "synfin/tls.h"

void sf_out_tls_decrypt_text(struct sf_buf *b, const struct sf_conn *c, const char *indent)
{
    const struct sf_app_info *ai = sf_app_conn_info(c);
    const struct sf_tls_decrypt_info *d;
    if (!ai || !ai->tls)
        return;
    d = &ai->tls->dec;
    switch (d->status) {
    case SF_TLS_DEC_OK:
        sf_buf_puts(b, indent);
        sf_buf_printf(b, sf_tr("TLS decrypted with the key log: %llu records from the client, %llu from the server; "
                               "the HTTP below is their plaintext"),
                      (unsigned long long)d->records[0], (unsigned long long)d->records[1]);
        if (d->key_updates)
            sf_buf_printf(b, sf_tr(" (%u key updates)"), d->key_updates);
        break;
    case SF_TLS_DEC_NO_KEY:
        sf_buf_puts(b, indent);
        sf_buf_puts(b, sf_tr("TLS not decrypted: the key log has no secrets for this connection's ClientHello random"));
        break;
    case SF_TLS_DEC_FAILED:
        sf_buf_puts(b, indent);
        sf_buf_printf(b, sf_tr("TLS decryption failed: the key log has this session's secrets, but the %s's record "
                               "%llu (frame %llu) does not verify (other secrets, or bytes changed on the way); "
                               "nothing from there on is read as HTTP"),
                      d->fail_dir == 0 ? sf_tr("client") : sf_tr("server"), (unsigned long long)d->fail_record,
                      (unsigned long long)d->fail_frame);
        break;
    case SF_TLS_DEC_UNSUPPORTED:
        sf_buf_puts(b, indent);
        sf_buf_printf(b, sf_tr("TLS not decrypted: synfin does not decrypt the cipher suite 0x%04x"),
                      ai->tls->cipher_suite);
        break;
    default:
        return;
    }
    sf_buf_putc(b, '\n');
}
