#include "SetupCli.h"

#include <Poco/File.h>
#include <Poco/Path.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pwd.h>
#include <regfed/audit/AuditStore.h>
#include <regfed/audit/TreeHeadSigner.h>
#include <regfed/audit/Witness.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <regex>
#include <stdexcept>

#include "AuditCli.h"
#include "Node.h"

namespace regfed::core::cli {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Request = std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

// Whether something is at `path`: a file, a folder, or a symbolic link (even a dangling one). Keys are never
// written through a link, nor handed to the node's user through one (as root, that would give away its
// target).
bool exists(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  if (S_ISLNK(st.st_mode))
    throw std::runtime_error(path + " is a symbolic link: refused (give the real path)");
  return true;
}

std::string opensslError(const std::string& what) {
  char buf[256] = "";
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return what + ": " + buf;
}

// The node's user reads its federation key through group `regfed` (when run as root and the group exists):
// root:regfed 0640, set on the open file, never through a path.
void shareWithNode(int fd) {
  if (const group* g = ::getgrnam("regfed"); g && ::geteuid() == 0)
    if (::fchown(fd, 0, g->gr_gid) != 0 || ::fchmod(fd, 0640) != 0)
      throw std::runtime_error("cannot give the key to group regfed");
}

// Writes a new PEM file readable by its owner only (O_EXCL, O_NOFOLLOW); `node`: also by the node's group.
void writePrivate(const std::string& path, const std::function<bool(BIO*)>& write, bool node = false) {
  Poco::File(Poco::Path(path).parent()).createDirectories();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  if (node) shareWithNode(fd);
  FILE* f = ::fdopen(fd, "w");
  Bio bio(BIO_new_fp(f, BIO_CLOSE), BIO_free);
  if (!bio || !write(bio.get())) throw std::runtime_error(opensslError("cannot write " + path));
}

void writePublic(const std::string& path, const std::function<bool(BIO*)>& write) {
  Poco::File(Poco::Path(path).parent()).createDirectories();
  Bio bio(BIO_new_file(path.c_str(), "w"), BIO_free);
  if (!bio || !write(bio.get())) throw std::runtime_error(opensslError("cannot write " + path));
}

Key readKey(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"), BIO_free);
  Key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr, EVP_PKEY_free);
  if (!key) throw std::runtime_error(opensslError("cannot read the private key " + path));
  return key;
}

Cert readCert(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"), BIO_free);
  Cert cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_free);
  if (!cert) throw std::runtime_error(opensslError("cannot read the certificate " + path));
  return cert;
}

// An EC P-256 key at `path`: made when missing, else kept. Says which. `node`: the node's group may read it
// (also set again on a kept key, e.g. one made before the package created the group).
Key keyAt(const std::string& path, bool node = false) {
  if (exists(path)) {
    if (node) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("cannot open " + path);
      try {
        shareWithNode(fd);
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
    }
    std::cout << "kept " << path << " (it was there)\n";
    return readKey(path);
  }
  Key key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error(opensslError("cannot make a key"));
  writePrivate(
      path,
      [&](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
      },
      node);
  std::cout << "made " << path << "\n";
  return key;
}

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error(opensslError("bad certificate extension " + value));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

const std::regex kHostName("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");

std::string subjectAltNames(const Flags& f) {
  std::string san;
  for (const auto& d : f.all("dns")) {
    if (!std::regex_match(d, kHostName)) throw std::invalid_argument("--dns " + d + ": not a plain DNS name");
    san += (san.empty() ? "" : ",") + ("DNS:" + d);
  }
  for (const auto& ip : f.all("ip")) {
    unsigned char buf[16];
    if (::inet_pton(AF_INET, ip.c_str(), buf) != 1 && ::inet_pton(AF_INET6, ip.c_str(), buf) != 1)
      throw std::invalid_argument("--ip " + ip + ": not an IP address");
    san += (san.empty() ? "" : ",") + ("IP:" + ip);
  }
  return san;
}

std::string commonName(X509_NAME* name) {
  const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (at < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

std::string fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    if (i) out += ':';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// An ASN.1 time as OpenSSL prints it, e.g. "Nov 28 12:00:00 2036 GMT".
std::string timeText(const ASN1_TIME* time) {
  Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || ASN1_TIME_print(bio.get(), time) != 1) return "?";
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

void setSerialAndValidity(X509* cert, long days) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
  BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);  // positive, 16 bytes at most
  BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert));
  X509_gmtime_adj(X509_getm_notBefore(cert), -300);  // a little slack for clocks
  X509_gmtime_adj(X509_getm_notAfter(cert), days * 86400L);
}

const std::regex kNodeId("[a-z0-9][a-z0-9-]{0,62}");

int caInit(const Flags& f) {
  const std::string dir = f.required("dir");
  const std::string certPath = dir + "/ca.pem", keyPath = dir + "/ca.key";
  if (exists(certPath)) {
    Cert cert = readCert(certPath);
    std::cout << "kept the CA " << certPath
              << " (it was there): " << commonName(X509_get_subject_name(cert.get())) << ", SHA-256 "
              << fingerprint(cert.get()) << "\n";
    return 0;
  }
  Key key = keyAt(keyPath);
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  setSerialAndValidity(cert.get(), std::stol(f.get("days", "3650")));
  const std::string name = f.get("name", "regfed federation CA");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509_set_pubkey(cert.get(), key.get());
  addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  addExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  if (!X509_sign(cert.get(), key.get(), EVP_sha256()))
    throw std::runtime_error(opensslError("cannot sign the CA"));
  writePublic(certPath, [&](BIO* b) { return PEM_write_bio_X509(b, cert.get()) == 1; });
  std::cout << "made the CA " << certPath << ": " << name << ", SHA-256 " << fingerprint(cert.get()) << "\n"
            << "Give " << certPath << " to every node (federation.ca); keep " << keyPath
            << " off the nodes, backed up and offline if you can.\n";
  return 0;
}

int caSign(const Flags& f) {
  const std::string dir = f.required("dir"), csrPath = f.required("csr"), out = f.required("out");
  Cert ca = readCert(dir + "/ca.pem");
  Key caKey = readKey(dir + "/ca.key");
  Bio bio(BIO_new_file(csrPath.c_str(), "r"), BIO_free);
  Request request(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_REQ_free);
  if (!request) throw std::runtime_error(opensslError("cannot read the certificate request " + csrPath));
  EVP_PKEY* requestKey = X509_REQ_get0_pubkey(request.get());
  if (!requestKey || X509_REQ_verify(request.get(), requestKey) != 1)
    throw std::runtime_error("the request " + csrPath + " is not signed by its own key: refused");
  const std::string node = commonName(X509_REQ_get_subject_name(request.get()));
  if (!std::regex_match(node, kNodeId))
    throw std::runtime_error("the request's CN \"" + node + "\" is not a node id (a-z, 0-9, -): refused");
  if (exists(out)) {
    Cert existing = readCert(out);
    // Kept only when it is really this CA's certificate of this key for this node, and still valid: its
    // signature checked, not just the issuer's name.
    if (EVP_PKEY_eq(X509_get0_pubkey(existing.get()), requestKey) == 1 &&
        X509_check_issued(ca.get(), existing.get()) == X509_V_OK &&
        X509_verify(existing.get(), X509_get0_pubkey(ca.get())) == 1 &&
        commonName(X509_get_subject_name(existing.get())) == node &&
        X509_cmp_current_time(X509_get0_notAfter(existing.get())) > 0) {
      std::cout << "kept " << out << " (it was there, for the same key, from this CA)\n";
      return 0;
    }
    throw std::runtime_error(
        out + " exists and is not this request's certificate from this CA: move it away first");
  }
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  setSerialAndValidity(cert.get(), std::stol(f.get("days", "825")));
  // Never valid longer than the CA that vouches for it.
  if (ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(ca.get())) > 0) {
    X509_set1_notAfter(cert.get(), X509_get0_notAfter(ca.get()));
    std::cout << "note: valid only until the CA's own end (" << timeText(X509_get0_notAfter(ca.get())) << ")\n";
  }
  X509_NAME* subject =
      X509_get_subject_name(cert.get());  // CN = the node id, nothing else the request asked for
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(node.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
  X509_set_pubkey(cert.get(), requestKey);
  addExtension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  addExtension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  addExtension(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  addExtension(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  // The names the node is reached at: given here, or else those the request asks for: DNS names without
  // wildcards and IP addresses only, printed so the coordinator sees what is certified.
  std::string san = subjectAltNames(f);
  if (san.empty()) {
    std::unique_ptr<STACK_OF(X509_EXTENSION), void (*)(STACK_OF(X509_EXTENSION)*)> extensions(
        X509_REQ_get_extensions(request.get()),
        [](STACK_OF(X509_EXTENSION) * s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); });
    GENERAL_NAMES* names = extensions ? static_cast<GENERAL_NAMES*>(X509V3_get_d2i(
                                            extensions.get(), NID_subject_alt_name, nullptr, nullptr))
                                      : nullptr;
    std::unique_ptr<GENERAL_NAMES, void (*)(GENERAL_NAMES*)> owned(
        names, [](GENERAL_NAMES* n) { GENERAL_NAMES_free(n); });
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type == GEN_DNS) {
        const std::string dns(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                              static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
        if (!std::regex_match(dns, kHostName))
          throw std::runtime_error("the request asks for the name \"" + dns +
                                   "\": only plain DNS names (no wildcards)");
        san += (san.empty() ? "" : ",") + ("DNS:" + dns);
      } else if (name->type == GEN_IPADD) {
        char text[INET6_ADDRSTRLEN] = "";
        const int length = ASN1_STRING_length(name->d.iPAddress);
        if ((length != 4 && length != 16) ||
            !::inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(name->d.iPAddress), text,
                         sizeof text))
          throw std::runtime_error("the request asks for an IP address that is none");
        san += (san.empty() ? "" : ",") + ("IP:" + std::string(text));
      } else {
        throw std::runtime_error(
            "the request asks for a name that is neither a DNS name nor an IP address: refused");
      }
    }
  }
  if (!san.empty()) addExtension(cert.get(), ca.get(), NID_subject_alt_name, san);
  if (!X509_sign(cert.get(), caKey.get(), EVP_sha256()))
    throw std::runtime_error(opensslError("cannot sign the certificate"));
  writePublic(out, [&](BIO* b) { return PEM_write_bio_X509(b, cert.get()) == 1; });
  std::cout << "signed " << out << " for node " << node << (san.empty() ? "" : " (" + san + ")")
            << ", SHA-256 " << fingerprint(cert.get()) << "\nSend it with " << dir
            << "/ca.pem to the node's IT: both go to its federation folder.\n";
  return 0;
}

// The roles and the database of a node, then its schemas (what the node itself would migrate at its first
// start).
void setUpDatabase(const Flags& f, const std::string& node) {
  const std::string admin = f.required("database-admin"), database = f.get("database", "regfed");
  const std::string owner = f.get("owner-role", "regfed_owner"), nodeRole = f.get("node-role", "regfed_node"),
                    auditor = f.get("auditor-role", "regfed_auditor"),
                    pruner = f.get("pruner-role", "regfed_pruner");
  pqxx::connection c(admin);
  pqxx::nontransaction tx(c);
  for (const std::string& role : {owner, nodeRole, auditor, pruner}) {
    if (tx.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", role).empty()) {
      tx.exec("CREATE ROLE " + tx.quote_name(role) + " LOGIN");
      std::cout << "made the database role " << role << "\n";
    } else {
      std::cout << "kept the database role " << role << " (it was there)\n";
    }
  }
  if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", database).empty()) {
    tx.exec("CREATE DATABASE " + tx.quote_name(database) + " OWNER " + tx.quote_name(owner));
    std::cout << "made the database " << database << " (owner " << owner << ")\n";
  } else {
    std::cout << "kept the database " << database << " (it was there)\n";
  }
  // Later keywords win in a libpq connection string: the admin's host and port, the owner's role and
  // database.
  const std::string ownerDsn = admin + " user=" + owner + " dbname=" + database;
  {
    pqxx::connection d(admin + " dbname=" + database);
    pqxx::nontransaction(d).exec("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  }
  const auto applied = migrateNodeSchemas(ownerDsn, nodeRole, auditor, pruner);
  std::cout << (applied.empty() ? std::string("the schemas were up to date")
                                : "applied " + std::to_string(applied.size()) + " migrations")
            << " (node " << node << ", database " << database << ")\n"
            << "Passwords: set them with ALTER ROLE … PASSWORD and keep them in the regfed user's ~/.pgpass, "
               "or use "
               "peer or certificate authentication.\n";
}

}  // namespace

int runInit(int argc, char** argv) {
  const Flags f(argc, argv, 2,
                {"node", "keys", "federation", "dns", "ip", "database-admin", "database", "owner-role",
                 "node-role", "auditor-role", "pruner-role"},
                {}, {"dns", "ip"});
  const std::string node = f.required("node");
  if (!std::regex_match(node, kNodeId)) throw std::invalid_argument("--node must be a node id (a-z, 0-9, -)");
  const std::string keys = f.get("keys", "/var/lib/regfed/keys"),
                    federation = f.get("federation", "/etc/regfed/federation");
  // The audit log's signing key and the witness key (the node would make them at its first start).
  const std::string auditKey = keys + "/audit.pem", witnessKey = keys + "/witness.pem";
  exists(keys);  // refuses a link
  const bool hadAudit = exists(auditKey);
  if (hadAudit) {
    std::cout << "kept " << auditKey << " (it was there)\n";
  } else {
    Poco::File(keys).createDirectories();
    audit::TreeHeadSigner::generatePrivateKeyFile(auditKey);
    std::cout << "made " << auditKey << "\n";
  }
  const bool hadWitness = exists(witnessKey);
  exists(federation);  // refuses a link
  const audit::WitnessKey witness = audit::WitnessKey::loadOrCreate(witnessKey, node);
  std::cout << (hadWitness ? "kept " : "made ") << witnessKey << (hadWitness ? " (it was there)\n" : "\n");
  // Keys this run made belong to the node's user (as root, when it exists), changed on the open file.
  if (const passwd* u = ::getpwnam("regfed"); u && ::geteuid() == 0)
    for (const auto& [path, made] :
         {std::pair<std::string, bool>{auditKey, !hadAudit}, {witnessKey, !hadWitness}}) {
      if (!made) continue;
      const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      const bool given = fd >= 0 && ::fchown(fd, u->pw_uid, u->pw_gid) == 0;
      if (fd >= 0) ::close(fd);
      if (!given) throw std::runtime_error("cannot give " + path + " to the user regfed");
    }
  // The node's federation key and its certificate request (CN = node id), made again from the key each time.
  Key key = keyAt(federation + "/node.key", true);
  Request request(X509_REQ_new(), X509_REQ_free);
  X509_REQ_set_version(request.get(), 0);
  X509_NAME* subject = X509_REQ_get_subject_name(request.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(node.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(request.get(), key.get());
  if (const std::string san = subjectAltNames(f); !san.empty()) {
    STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    if (!ext) throw std::invalid_argument("--dns/--ip: not a name or address: " + san);
    sk_X509_EXTENSION_push(extensions, ext);
    X509_REQ_add_extensions(request.get(), extensions);
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  }
  if (!X509_REQ_sign(request.get(), key.get(), EVP_sha256()))
    throw std::runtime_error(opensslError("cannot sign the certificate request"));
  const std::string csr = federation + "/node.csr";
  writePublic(csr, [&](BIO* b) { return PEM_write_bio_X509_REQ(b, request.get()) == 1; });
  std::cout << "wrote " << csr << " (CN=" << node << ")\n";

  if (f.has("database-admin")) setUpDatabase(f, node);

  const auto signer = audit::TreeHeadSigner::fromPrivateKeyFile(auditKey);
  std::cout << "\nFor the data protection officer, the audit log's public key (key id " << signer.keyId()
            << "; regfed audit key prints it again):\n"
            << signer.publicKeyPem() << "\nFor the federation's coordinator: " << csr
            << " (regfed ca sign --csr …); the certificate and the CA's certificate come back as "
            << federation << "/node.pem and " << federation << "/ca.pem.\nFor the peers' IT: node " << node
            << ", its address, and the municipalities it answers for (their federation.peers).\n"
            << "This node's witness key (C2SP vkey): "
            << audit::verifierKey(witness.name(), witness.publicKey()) << "\n";
  return 0;
}

int runCa(int argc, char** argv) {
  const std::string verb = argc > 2 ? argv[2] : "";
  if (verb == "init") return caInit(Flags(argc, argv, 3, {"dir", "name", "days"}));
  if (verb == "sign")
    return caSign(Flags(argc, argv, 3, {"dir", "csr", "out", "days", "dns", "ip"}, {}, {"dns", "ip"}));
  throw std::invalid_argument("regfed ca init|sign");
}

}  // namespace regfed::core::cli
