<?php
// What WP Mail SMTP does with its constants when WordPress sends (its SMTP mailer hands
// them to PHPMailer): php wordpress.php EXPORT TO SUBJECT
require '/usr/share/php/libphp-phpmailer/autoload.php';

use PHPMailer\PHPMailer\PHPMailer;

[, $export, $to, $subject] = $argv;
require $export;
$mail = new PHPMailer(true);
$mail->isSMTP();
$mail->Hostname = 'localhost';
$mail->Host = WPMS_SMTP_HOST;
$mail->Port = WPMS_SMTP_PORT;
$mail->SMTPSecure = WPMS_SSL;
$mail->SMTPAutoTLS = WPMS_SMTP_AUTOTLS;
if (WPMS_SMTP_AUTH) {
    $mail->SMTPAuth = true;
    $mail->Username = WPMS_SMTP_USER;
    $mail->Password = WPMS_SMTP_PASS;
}
$mail->setFrom(WPMS_MAIL_FROM, defined('WPMS_MAIL_FROM_NAME') ? WPMS_MAIL_FROM_NAME : '');
$mail->addAddress($to);
$mail->Subject = $subject;
$mail->Body = "sent with an exported configuration\n";
$mail->send();
