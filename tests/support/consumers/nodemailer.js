// Sends one message with an exported Nodemailer module: node nodemailer.js EXPORT TO SUBJECT
const [exported, to, subject] = process.argv.slice(2);
const transporter = require(exported);
transporter
  .sendMail({ to, subject, text: "sent with an exported configuration\n" })
  .then(() => process.exit(0))
  .catch((error) => {
    console.error(String(error));
    process.exit(1);
  });
