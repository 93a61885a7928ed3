header('content-type:text/html;charset=utf8');

$apiKey = "sandbox-key";
$apiSecret = "sandbox-secret";
$appId = "4luaKsL2";
$url = "http://127.0.0.1:8765/voice/sendGroup";
$timeStamp = time();
$sign = md5($apiKey.$apiSecret.$timeStamp);

$dataArr['callee'] = "91856321412,91856321300";
$dataArr['displayNum'] = "1008122211";
$dataArr['fileId'] = "12022022570cc2484c59d4f8b9745d34226285b1e.mp3";
$dataArr['appId'] = $appId;
$dataArr['maxDuration'] = "50";
$dataArr['loopCount'] = "2";
$dataArr['calledInfo'] = "calledInfo";

$data = json_encode($dataArr);
$headers = array('Content-Type:application/json;charset=UTF-8',"Sign:$sign","Timestamp:$timeStamp","Api-Key:$apiKey");

$ch = curl_init();
curl_setopt($ch, CURLOPT_URL,$url);
curl_setopt($ch, CURLOPT_POST, 1);
curl_setopt($ch, CURLOPT_CONNECTTIMEOUT, 600);
curl_setopt($ch, CURLOPT_HTTPHEADER,$headers);
curl_setopt($ch, CURLOPT_POSTFIELDS , $data);
curl_setopt($ch, CURLOPT_RETURNTRANSFER, 1);
curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, 0); 
curl_setopt($ch, CURLOPT_SSL_VERIFYHOST, 0); 

$output = curl_exec($ch);
$error = curl_error($ch);
curl_close($ch);

var_dump($output);
