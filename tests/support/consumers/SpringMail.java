// Sends one message with exported Spring Boot properties through Jakarta Mail, binding them
// as Spring Boot's mail auto-configuration does: spring.mail.host, port, username, password
// and protocol to the transport, spring.mail.properties.* to the session, spring.mail.ssl.*
// (with a PEM SSL bundle as its trust store), and ${NAME} from the environment.
// java SpringMail EXPORT FROM TO SUBJECT
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class SpringMail {
    static Properties file = new Properties();

    static String get(String key) {
        String value = file.getProperty(key);
        if (value == null) {
            return null;
        }
        Matcher m = Pattern.compile("\\$\\{([A-Za-z0-9_]+)\\}").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(System.getenv(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        try (InputStreamReader in = new InputStreamReader(new FileInputStream(args[0]), StandardCharsets.ISO_8859_1)) {
            file.load(in);
        }
        String protocol = get("spring.mail.protocol") == null ? "smtp" : get("spring.mail.protocol");
        Properties session = new Properties();
        String prefix = "spring.mail.properties.";
        for (String key : file.stringPropertyNames()) {
            if (key.startsWith(prefix)) {
                session.setProperty(key.substring(prefix.length()), get(key));
            }
        }
        if ("true".equals(get("spring.mail.ssl.enabled"))) {
            session.setProperty("mail." + protocol + ".ssl.enable", "true");
        }
        String bundle = get("spring.mail.ssl.bundle");
        if (bundle != null) {
            String location = get("spring.ssl.bundle.pem." + bundle + ".truststore.certificate");
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            try (FileInputStream pem = new FileInputStream(location.replaceFirst("^file:", ""))) {
                int n = 0;
                for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
                    store.setCertificateEntry("ca" + n++, cert);
                }
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            session.put("mail." + protocol + ".ssl.socketFactory", context.getSocketFactory());
        }
        // The EHLO name, without asking DNS for this machine's.
        session.setProperty("mail." + protocol + ".localhost", "localhost");
        Session mail = Session.getInstance(session);
        MimeMessage message = new MimeMessage(mail);
        message.setFrom(new InternetAddress(args[1]));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(args[2]));
        message.setSubject(args[3], "UTF-8");
        message.setText("sent with an exported configuration\n", "UTF-8");
        try (Transport transport = mail.getTransport(protocol)) {
            String port = get("spring.mail.port");
            transport.connect(get("spring.mail.host"), port == null ? -1 : Integer.parseInt(port),
                    get("spring.mail.username"), get("spring.mail.password"));
            transport.sendMessage(message, message.getAllRecipients());
        }
    }
}
