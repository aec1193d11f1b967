<?php
// Sends one message with an exported PHPMailer set-up: php phpmailer.php EXPORT TO SUBJECT
// The export builds $mail; this only adds what an application adds (recipient, content).
require '/usr/share/php/libphp-phpmailer/autoload.php';

[, $export, $to, $subject] = $argv;
require $export;
$mail->Hostname = 'localhost';  // the EHLO name, without asking DNS for this machine's
$mail->addAddress($to);
$mail->Subject = $subject;
$mail->Body = "sent with an exported configuration\n";
$mail->send();
